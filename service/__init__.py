"""The framing service: a transport-free classifier core and its gRPC edge."""
