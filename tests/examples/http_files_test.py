# SPDX-License-Identifier: MIT
# ctest example.http_files: examples/http_files.cpp against curl and Python's http.client.
#   python3 http_files_test.py PATH/TO/http_files [PATH/TO/http_get]
# Builds a directory to serve (a text file, a 64 MiB file, a subdirectory with index.html, an
# empty directory, a symlink inside the root and one that points out of it), starts the
# server on an ephemeral port and checks GET/HEAD, Content-Type, byte ranges (206, 416),
# conditional GET (ETag / If-None-Match, If-Modified-Since: 304), path traversal (404, 403),
# directories, 405, keep-alive over http.client, and that serving the big file leaves the
# server's peak memory far below the file's size (the body is streamed). With http_get (the
# curl-like example) it also downloads the big file with `http_get -o` and checks the file and
# the progress line.
import hashlib
import http.client
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from example_peer import check, curl, example, finish  # noqa: E402

BIG = 64 << 20


def make_tree(base):
    root = os.path.join(base, "root")
    os.makedirs(os.path.join(root, "sub"))
    os.makedirs(os.path.join(root, "empty"))
    os.makedirs(os.path.join(base, "outside"))
    with open(os.path.join(root, "hello.txt"), "w") as f:
        f.write("hello world, this is af\n")
    with open(os.path.join(root, "sub", "index.html"), "w") as f:
        f.write("<p>sub</p>\n")
    with open(os.path.join(base, "outside", "secret.txt"), "w") as f:
        f.write("secret\n")
    os.symlink(os.path.join(base, "outside", "secret.txt"), os.path.join(root, "escape.txt"))
    os.symlink("hello.txt", os.path.join(root, "alias.txt"))
    block = bytes(i % 251 for i in range(1 << 20))
    with open(os.path.join(root, "big.bin"), "wb") as f:
        for _ in range(BIG >> 20):
            f.write(block)
    return root, hashlib.sha256(block * (BIG >> 20)).hexdigest()


def main():
    binary = sys.argv[1]
    base = tempfile.mkdtemp(prefix="af-http-files-")
    try:
        root, big_sha = make_tree(base)
        srv = example([binary, root])
        try:
            run(srv, root, big_sha, base)
            if len(sys.argv) > 2:
                download_with_http_get(sys.argv[2], srv, big_sha, base)
        finally:
            srv.stop()
        check(srv.p.returncode == 0, "Ctrl-C (SIGINT) shuts the server down cleanly (exit %s)" % srv.p.returncode)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    finish()


def run(srv, root, big_sha, base):
    hello = b"hello world, this is af\n"
    st, h, body = curl(srv.url("/hello.txt"))
    check(st == 200 and body == hello, "GET a file: 200 and its bytes")
    check(h.get("content-type") == "text/plain; charset=utf-8", "Content-Type from the extension")
    check(h.get("accept-ranges") == "bytes", "Accept-Ranges: bytes")
    check(h.get("content-length") == str(len(hello)), "Content-Length is the file size")
    etag, last_modified = h.get("etag", ""), h.get("last-modified", "")
    check(etag.startswith('"') and etag.endswith('"'), "a strong ETag: %s" % etag)
    check(last_modified.endswith(" GMT"), "Last-Modified is an HTTP date: %s" % last_modified)

    # HEAD (-I): the same fields, no body.
    st, h, body = curl("-I", srv.url("/hello.txt"))
    check(st == 200 and body == b"" and h.get("content-length") == str(len(hello)) and h.get("etag") == etag, "HEAD: length and ETag, no body")

    # Byte ranges.
    st, h, body = curl("-r", "0-9", srv.url("/hello.txt"))
    check(st == 206 and body == hello[:10], "curl -r 0-9: 206 and the first 10 bytes")
    check(h.get("content-range") == "bytes 0-9/%d" % len(hello), "Content-Range of 0-9: %s" % h.get("content-range"))
    st, h, body = curl("-r", "-4", srv.url("/hello.txt"))
    check(st == 206 and body == hello[-4:], "suffix range -4: the last 4 bytes")
    st, h, body = curl("-r", "6-", srv.url("/hello.txt"))
    check(st == 206 and body == hello[6:], "open range 6-: from byte 6 to the end")
    st, h, body = curl("-r", "5-1000", srv.url("/hello.txt"))
    check(st == 206 and body == hello[5:], "a range past the end is cut to the file")
    st, h, body = curl("-r", "1000-2000", srv.url("/hello.txt"))
    check(st == 416 and h.get("content-range") == "bytes */%d" % len(hello), "a range outside the file: 416 with bytes */size")
    st, h, body = curl("-r", "0-1,4-5", srv.url("/hello.txt"))
    check(st == 200 and body == hello, "several ranges: the whole file (200)")
    st, h, body = curl("-r", "0-9", "-H", 'If-Range: "stale"', srv.url("/hello.txt"))
    check(st == 200 and body == hello, "If-Range with another ETag: the whole file")
    st, h, body = curl("-r", "0-9", "-H", "If-Range: " + etag, srv.url("/hello.txt"))
    check(st == 206 and body == hello[:10], "If-Range with the current ETag: the range")
    st, h, body = curl("-r", "%d-%d" % (BIG - 100, BIG + 5), srv.url("/big.bin"))
    check(st == 206 and body == bytes((i % (1 << 20)) % 251 for i in range(BIG - 100, BIG)), "the last 100 bytes of the big file")

    # Conditional GET.
    etag_file = os.path.join(base, "etag")
    with open(etag_file, "w") as f:
        f.write(etag + "\n")
    st, h, body = curl("--etag-compare", etag_file, srv.url("/hello.txt"))
    check(st == 304 and body == b"" and h.get("etag") == etag, "curl --etag-compare (If-None-Match): 304, no body")
    st, h, body = curl("-H", 'If-None-Match: "other", ' + etag, srv.url("/hello.txt"))
    check(st == 304, "If-None-Match with a list holding the ETag: 304")
    st, h, body = curl("-H", 'If-None-Match: "other"', srv.url("/hello.txt"))
    check(st == 200 and body == hello, "If-None-Match with another ETag: 200")
    st, h, body = curl("-z", last_modified, srv.url("/hello.txt"))
    check(st == 304 and body == b"", "curl -z Last-Modified (If-Modified-Since): 304")
    st, h, body = curl("-z", "Sat, 01 Jan 2000 00:00:00 GMT", srv.url("/hello.txt"))
    check(st == 200 and body == hello, "If-Modified-Since before the file's time: 200")
    st, h, body = curl("-H", 'If-None-Match: "other"', "-H", "If-Modified-Since: " + last_modified, srv.url("/hello.txt"))
    check(st == 200, "If-None-Match decides over If-Modified-Since")

    # Paths.
    for path in ["/../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/sub/../../outside/secret.txt", "/%2E%2E%2Foutside/secret.txt",
                 "/./hello.txt", "/hello.txt%00", "/..%5coutside/secret.txt"]:
        st, h, body = curl("--path-as-is", srv.url(path))
        check(st == 404 and b"secret" not in body, "traversal %s: 404" % path)
    st, h, body = curl(srv.url("/escape.txt"))
    check(st == 403 and b"secret" not in body, "a symlink out of the root: 403")
    st, h, body = curl(srv.url("/alias.txt"))
    check(st == 200 and body == hello, "a symlink inside the root is served")
    st, h, body = curl(srv.url("/sub/"))
    check(st == 200 and body == b"<p>sub</p>\n" and h.get("content-type", "").startswith("text/html"), "a directory serves its index.html")
    st, h, body = curl(srv.url("/empty/"))
    check(st == 404, "a directory without index.html: 404")
    st, h, body = curl(srv.url("/nope.txt"))
    check(st == 404, "a missing file: 404")
    st, h, body = curl(srv.url("/hello%2etxt"))
    check(st == 200 and body == hello, "an encoded character in a name is decoded")
    st, h, body = curl("-X", "POST", "--data", "x", srv.url("/hello.txt"))
    check(st == 405 and h.get("allow") == "GET, HEAD", "POST: 405 with Allow")

    # Python's http.client: several requests on one kept-alive connection.
    c = http.client.HTTPConnection(srv.addr, timeout=10)
    c.request("GET", "/hello.txt")
    r = c.getresponse()
    a = (r.status, r.read())
    c.request("GET", "/hello.txt", headers={"Range": "bytes=0-4"})
    r = c.getresponse()
    b = (r.status, r.read())
    c.request("GET", "/hello.txt", headers={"If-None-Match": etag})
    r = c.getresponse()
    d = (r.status, r.read())
    c.request("HEAD", "/big.bin")
    r = c.getresponse()
    e = (r.status, r.getheader("Content-Length"), r.read())
    c.close()
    check(a == (200, hello) and b == (206, hello[:5]) and d == (304, b"") and e == (200, str(BIG), b""),
          "http.client: GET, range, 304 and HEAD on one connection")

    # The big file: byte for byte, and streamed (the server's peak memory grows far less than it).
    before = srv.peak_rss_kib()
    out = subprocess.run(["curl", "-s", "-S", "--max-time", "20", srv.url("/big.bin")], stdout=subprocess.PIPE, timeout=30)
    check(out.returncode == 0 and len(out.stdout) == BIG and hashlib.sha256(out.stdout).hexdigest() == big_sha,
          "the 64 MiB file arrives whole and intact")
    grew = srv.peak_rss_kib() - before
    check(before > 0 and grew < 16 * 1024, "serving the 64 MiB file raised the server's peak RSS by %d KiB (< 16 MiB)" % grew)


def download_with_http_get(http_get, srv, big_sha, base):
    out = os.path.join(base, "download.bin")
    p = subprocess.run([http_get, "-o", out, srv.url("/big.bin")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    with open(out, "rb") as f:
        data = f.read()
    check(p.returncode == 0 and p.stdout == b"" and hashlib.sha256(data).hexdigest() == big_sha, "http_get -o writes the 64 MiB file intact")
    last = p.stderr.decode().replace("\r", "\n").strip().splitlines()[-1]
    check(last.startswith("%d / %d bytes (100%%)" % (BIG, BIG)) and last.endswith("KiB/s"), "http_get's last progress line: %s" % last)
    p = subprocess.run([http_get, "-o", os.path.join(base, "no", "such", "dir"), srv.url("/big.bin")], stderr=subprocess.PIPE, timeout=30)
    check(p.returncode == 2 and b"No such file or directory" in p.stderr, "http_get -o into a missing directory: exit 2, the OS error")


if __name__ == "__main__":
    main()
