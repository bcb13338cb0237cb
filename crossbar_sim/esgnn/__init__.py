"""Echo state graph neural networks run through simulated analogue arrays."""
