# framing server image: the default model is trained at build time from seeds/ and baked in.
# The full image has the C compiler that builds the compiled scorer (scoring/_kernel.pyx).
FROM python:3.11 AS build
WORKDIR /src
COPY pyproject.toml setup.py requirements.lock README.md ./
COPY framing framing
COPY scoring scoring
COPY service service
COPY training training
RUN python -m venv /venv \
    && /venv/bin/pip install --no-cache-dir -c requirements.lock .
COPY seeds seeds
RUN /venv/bin/framing-train fit seeds --out /models/default --quiet

FROM python:3.11-slim
RUN useradd --system --uid 10001 framing
COPY --from=build /venv /venv
COPY --from=build /models /models
USER framing
ENV FRAMING_MODEL_DIR=/models/default \
    FRAMING_GRPC_PORT=50051 \
    FRAMING_METRICS_PORT=9464 \
    FRAMING_LOG_FORMAT=json \
    PATH=/venv/bin:$PATH
EXPOSE 50051 9464
# The gRPC health service answers SERVING only once the model is loaded and warmed.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["framing", "--timeout", "2", "health"]
ENTRYPOINT ["framing-serve"]
