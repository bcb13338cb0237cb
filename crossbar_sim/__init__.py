"""crossbar-sim: analogue RRAM crossbar arrays running echo state graph neural networks."""

__version__ = "0.1.0"
