# gatehouse in a container: one static binary (pure-Go SQLite, no cgo) on
# distroless. Build and run:
#
#   docker build --build-arg VERSION=v1.2.3 --build-arg COMMIT=$(git rev-parse --short HEAD) -t gatehouse .
#   docker run -d -p 8080:8080 -v gatehouse-data:/data -e GATEHOUSE_MASTER_KEY gatehouse
#
# deploy/deploy_test.go checks this file (no docker needed).

# The Go of go.mod's go line (or newer in the same series). GOTOOLCHAIN=local
# makes an older image fail the build instead of downloading a toolchain.
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
ENV GOTOOLCHAIN=local CGO_ENABLED=0
WORKDIR /src
# Modules first, so that a source change reuses the downloaded modules.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
# -buildvcs=false: .git is not in the build context (.dockerignore); the
# version comes from VERSION and COMMIT instead ("gatehouse version").
RUN go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/gatehouse/gatehouse.Version=${VERSION} -X github.com/gatehouse/gatehouse.Commit=${COMMIT}" \
      -o /out/gatehouse ./cmd/gatehouse \
 && mkdir /out/data

# distroless/static rather than scratch: it has what scratch would need
# copied in by hand (CA certificates for a TLS PostgreSQL or model server,
# tzdata, /etc/passwd naming the nonroot user, a /tmp) and still no shell
# or package manager. USER is numeric (65532 is distroless's nonroot) so
# that Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gatehouse /gatehouse
# The volume's mount point, owned by the runtime user: a new named volume
# takes its ownership from here, so the server can write to it.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# Admin commands run in the container (docker exec CONTAINER /gatehouse
# users activate EMAIL) find the same data directory as serve.
ENV GATEHOUSE_DATA=/data
VOLUME /data
EXPOSE 8080
# No shell or curl here: the binary probes its own /healthz
# (http://127.0.0.1:8080/healthz; with another --addr, pass --url too).
# Its own timeout is 2 s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/gatehouse", "healthcheck"]
# serve drains in-flight requests for up to 15 s on SIGTERM (the default
# STOPSIGNAL); give docker stop the time: docker run --stop-timeout 20.
ENTRYPOINT ["/gatehouse"]
CMD ["serve", "--data", "/data", "--addr", "0.0.0.0:8080"]
