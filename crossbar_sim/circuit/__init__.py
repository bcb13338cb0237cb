"""The resistive network of one array: wire parasitics, exact IR-drop solve, node voltages, SPICE."""
