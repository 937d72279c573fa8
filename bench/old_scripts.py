"""The campaign benchmark's baseline: A1→A2 as the cron scripts did it.

    .venv/bin/python bench/old_scripts.py CONFIG DAM_FOLDER_ID BOX_FOLDER_ID

One process per run, as cron started one: authenticate to OTDS with ``requests``,
list the campaign folder's assets, then one asset at a time: download it to a
temporary file with ``requests`` (blocking), upload the file with Box's own
synchronous SDK (``boxsdk`` 10: ``upload_big_file`` from Box's 20 MB chunked
minimum, else ``upload_file``), delete the temporary file.

It reads the same config and credentials as the daemon, but none of the daemon's
code: only the config file (tomllib) and the secret files. It is kinder to itself
than the scripts were: no search for A1 campaigns (it is given the folder), no
tracking IDs, database rows, status change or mail.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import requests
from box_sdk_gen import BaseUrls, BoxClient, BoxJWTAuth, JWTConfig, NetworkSession
from box_sdk_gen.managers.uploads import UploadFileAttributes, UploadFileAttributesParentField

CHUNKED_MIN = 20_000_000
READ = 1024 * 1024


def secret(name: str) -> str:
    return (Path(os.environ["CREDENTIALS_DIRECTORY"]) / name).read_text()


def dam_session(dam: dict[str, str]) -> requests.Session:
    form = {
        "grant_type": "client_credentials",
        "client_id": dam["client_id"],
        "client_secret": secret("dam_client_secret"),
    }
    token = requests.post(dam["auth_url"], data=form, timeout=60).json()["access_token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def box_client(box: dict[str, str]) -> BoxClient:
    api = box["api_url"].rstrip("/").removesuffix("/2.0")
    upload = box["upload_url"].rstrip("/").removesuffix("/2.0")
    oauth = box["oauth_url"].rstrip("/").removesuffix("/token")
    auth = BoxJWTAuth(config=JWTConfig.from_config_json_string(secret("box_jwt_config")))
    urls = BaseUrls(base_url=api, upload_url=upload, oauth_2_url=oauth)
    return BoxClient(auth=auth, network_session=NetworkSession(base_urls=urls))


def assets(session: requests.Session, base: str, folder_id: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    while True:
        params = {"after": len(found), "limit": 100, "load_type": "metadata"}
        reply = session.get(f"{base}/v6/folders/{folder_id}/children", params=params, timeout=60)
        page = reply.json()["folder_children"].get("asset_list") or []
        if not page:
            return found
        found += [(str(a["asset_id"]), str(a["name"])) for a in page]


def copy_one(
    session: requests.Session, base: str, box: BoxClient, asset_id: str, name: str, folder: str
) -> int:
    with tempfile.NamedTemporaryFile(prefix="a1a2-") as tmp:
        with session.get(f"{base}/v6/assets/{asset_id}/contents", stream=True, timeout=60) as r:
            r.raise_for_status()
            for chunk in r.iter_content(READ):
                tmp.write(chunk)
        tmp.flush()
        size = tmp.tell()
        with open(tmp.name, "rb") as source:
            if size >= CHUNKED_MIN:
                box.chunked_uploads.upload_big_file(source, name, size, folder)
            else:
                parent = UploadFileAttributesParentField(id=folder)
                box.uploads.upload_file(UploadFileAttributes(name=name, parent=parent), source)
    return size


def main(config_path: str, dam_folder: str, box_folder: str) -> None:
    started = time.perf_counter()
    config = tomllib.loads(Path(config_path).read_text())
    base = config["dam"]["base_url"].rstrip("/")
    session = dam_session(config["dam"])
    box = box_client(config["box"])
    ready = time.perf_counter()
    moved = sum(
        copy_one(session, base, box, asset_id, f"old-{asset_id}-{name}", box_folder)
        for asset_id, name in assets(session, base, dam_folder)
    )
    done = time.perf_counter()
    print(json.dumps({"bytes": moved, "start_s": ready - started, "copy_s": done - ready}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
