"""Studies: typed YAML configs, the experiment entry point, sweeps and their results store."""
