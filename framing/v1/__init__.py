"""framing.v1 messages and gRPC stubs, generated from protos/framing/v1 by scripts/gen_protos.py."""
