"""The analogue matrix users call: hardware config, tiles read through circuit and periphery, event ledger."""
