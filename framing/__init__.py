"""Generated Python code for the framing API; the sources are in protos/."""
