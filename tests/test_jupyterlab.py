"""JupyterLab starts from this environment, serves the course notebooks, and shuts down."""
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from test_notebooks import COURSE, ROOT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, token, method="GET"):
    req = urllib.request.Request(url, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=10) as response:
        body = response.read()
        return response.status, json.loads(body) if body.strip().startswith(b"{") else body


@pytest.mark.slow
def test_jupyterlab_lists_the_notebooks_and_shuts_down(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), IPYTHONDIR=str(tmp_path / "ipython"))
    log = open(tmp_path / "lab.log", "w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
         # CI containers often run as root, which Jupyter refuses without this
         f"--ServerApp.allow_root={os.geteuid() == 0}"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, f"JupyterLab exited:\n{(tmp_path / 'lab.log').read_text()}"
            try:
                if request(f"{base}/api/status", token)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "JupyterLab did not answer within 120 s"
            time.sleep(0.5)

        status, listing = request(f"{base}/api/contents/notebooks", token)
        notebooks = {item["name"] for item in listing["content"] if item["type"] == "notebook"}
        assert {f"{name}.ipynb" for name in COURSE} <= notebooks
        status, specs = request(f"{base}/api/kernelspecs", token)
        assert "python3" in specs["kernelspecs"]
        status, page = request(f"{base}/lab", token)
        assert status == 200 and b"JupyterLab" in page  # the front end is installed and served
        with pytest.raises(OSError):  # a wrong token is refused
            request(f"{base}/api/contents/notebooks", "wrong")

        assert request(f"{base}/api/shutdown", token, method="POST")[0] == 200
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
