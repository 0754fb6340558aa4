"""The gRPC edge: the only package that imports grpc and the generated framing.v1 modules."""
