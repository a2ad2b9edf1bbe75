# syntax=docker/dockerfile:1
# The engine image: one static careflow binary, run as a non-root user, no shell in the image.
# Build: docker build -t careflow/engine .   Roles: `api` and `worker` (see docker-compose.yml).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO off: the embedded store's SQLite driver (modernc.org/sqlite) and pgx are pure Go, so the
# binary links statically and needs no libc in the final image.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/careflow ./cmd/careflow \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/careflow /usr/local/bin/careflow
# DATA_DIR must be writable by the non-root user; a named volume mounted here inherits this owner.
COPY --from=build --chown=65532:65532 /out/data /data
ENV DATA_DIR=/data
WORKDIR /data
USER 65532:65532
EXPOSE 8080 2575
ENTRYPOINT ["/usr/local/bin/careflow"]
CMD ["api"]
