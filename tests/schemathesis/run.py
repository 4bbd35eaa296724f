"""Schemathesis over the real bell-server's OpenAPI document, with a user
token for the user endpoints and the service token for the producers'
(/v1/events, /v1/approvals/…, /v1/decisions); fails
on any failure. Started by `cargo xtask test` (schemathesis in tools/venv).
The stream (an endless response) is left out."""

import base64, hashlib, hmac, json, os, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET, SERVICE = "schemathesis-jwt-secret", "schemathesis-service-token"
EXAMPLES = os.environ.get("BELL_SCHEMATHESIS_EXAMPLES", "50")
# The producers' endpoints (the service token); the rest are the users'.
PRODUCER = "^/v1/(events|approvals/|decisions)"


def token(sub):
    b = lambda d: base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).rstrip(b"=").decode()
    body = b({"alg": "HS256", "typ": "JWT"}) + "." + b({"sub": sub, "exp": int(time.time()) + 3600})
    sig = hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).digest()
    return body + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, BELL_LISTEN=f"127.0.0.1:{port}", BELL_JWT_SECRET=SECRET, BELL_SERVICE_TOKEN=SERVICE,
                   BELL_DATABASE_URL=f"sqlite://{data}/bell.db", BELL_ALLOWED_LINK_HOSTS="app.qontak.com",
                   BELL_LOG="error")
        server = subprocess.Popen([os.path.join(ROOT, "target/debug/bell-server")], env=env)
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            st = os.path.join(os.path.dirname(sys.executable), "st")
            common = [st, "--config-file", os.path.join(ROOT, "tests/schemathesis/schemathesis.toml"), "run",
                      base + "/openapi.json", "-n", EXAMPLES, "--exclude-path", "/v1/stream"]
            runs = [
                common + ["-H", f"Authorization: Bearer {token('u-schemathesis')}", "--exclude-path-regex", PRODUCER],
                common + ["-H", f"Authorization: Bearer {SERVICE}", "--include-path-regex", PRODUCER],
            ]
            failed = False
            for run in runs:
                failed |= subprocess.run(run, cwd=data).returncode != 0
            return 1 if failed else 0
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
