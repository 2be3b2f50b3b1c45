"""The stack's API, driven as an operator would after `docker compose up` (stdlib only):

    python .ci/deploy_stack_api.py BASE_URL USERNAME PASSWORD

/healthz and /readyz answer; a training job queued through the API goes queued -> succeeded
on the Celery worker; the next ticket is classified by the model it produced.
"""

import json
import sys
import time
import urllib.error
import urllib.request

BASE, USERNAME, PASSWORD = sys.argv[1:4]
JOB_TIMEOUT = 300


def call(method: str, path: str, body=None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def check(condition: bool, message: str, detail=None) -> None:
    if not condition:
        print(f"FAIL: {message}: {detail}")
        sys.exit(1)
    print(f"ok: {message}")


status, body = call("GET", "/healthz")
check(status == 200 and body["status"] == "ok", "GET /healthz", body)
status, body = call("GET", "/readyz")
check(status == 200 and body["database"] == "ok", "GET /readyz: database reachable", body)

status, body = call("POST", "/api/token/", {"username": USERNAME, "password": PASSWORD})
check(status == 200, "POST /api/token/ as the superuser", body)
token = body["access"]

status, job = call("POST", "/api/ml/train/", {}, token)
check(status == 202 and job["status"] == "queued", "POST /api/ml/train/ queues a job (202)", job)

deadline = time.monotonic() + JOB_TIMEOUT
seen = [job["status"]]
while time.monotonic() < deadline:
    status, job = call("GET", f"/api/ml/jobs/{job['id']}/", token=token)
    if status != 200:
        check(False, "GET /api/ml/jobs/{id}/", job)
    if job["status"] != seen[-1]:
        seen.append(job["status"])
    if job["status"] in ("succeeded", "failed"):
        break
    time.sleep(1)
check(job["status"] == "succeeded", f"job {job['id']}: {' -> '.join(seen)}", job)
metrics = job["metrics"]
print(f"    model {job['version']}: macro-F1 {metrics['macro_f1']:.3f}, {job['n_samples']} tickets")

status, ticket = call(
    "POST",
    "/api/tickets/",
    {"title": "Charged twice", "description": "Invoice paid twice, please refund the payment."},
    token,
)
check(status == 201, "POST /api/tickets/", ticket)
# The stack runs with ML_CONFIDENCE_THRESHOLD=0, so the model decides every ticket.
check(
    (ticket["classified_by"], ticket["model_version"]) == ("model", job["version"]),
    f"POST /api/tickets/ is classified by model {job['version']}",
    ticket,
)
status, body = call("GET", "/readyz")
# The probe never loads a model; each gunicorn worker reports its own, so check the active one.
check(
    body.get("active_version") == job["version"], "GET /readyz: the new model is active", body
)
