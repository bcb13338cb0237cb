"""Circuits at the array's edges: input encoders (bit-serial pulses, DAC), column sensing with read
noise, the ADC."""
