-- SPDX-License-Identifier: MIT
-- wrk: POST a 1 MiB body to /upload on every request (bench/http/run.py).
wrk.method = "POST"
wrk.path = "/upload"
wrk.body = string.rep("x", 1024 * 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
