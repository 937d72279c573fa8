"""``ferrero-daemon config``: validate and print the effective configuration.

``ferrero-daemon config import-env .env [--box-config Box-config.json] --out DIR`` turns
the old scripts' files into a ``config.toml`` and 0600 secret files (``envimport.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ferrero_daemon import envimport
from ferrero_daemon.commands import Subparsers, add_config_argument
from ferrero_daemon.config import effective_config, load_config
from ferrero_daemon.errors import ConfigError

OLD_BOX_CONFIG = Path("..") / "Box-config.json"  # where the old checklist kept it


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("config", help="validate the config; print it with secrets masked")
    add_config_argument(parser)
    parser.set_defaults(handler=run)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    imported = actions.add_parser(
        "import-env",
        help="write config.toml and 0600 secret files from the old scripts' .env",
        description=(
            "Read the old scripts' .env (and Box-config.json), print what each variable "
            "became, and write DIR/config.toml and DIR/credentials/<secret> (mode 0600, "
            "ready for systemd's LoadCredential=). Existing files are never replaced."
        ),
    )
    imported.add_argument("env_file", metavar=".env", type=Path, help="the old scripts' .env")
    imported.add_argument(
        "--box-config", metavar="Box-config.json", type=Path, help="the Box JWT app's config file"
    )
    imported.add_argument(
        "--out", metavar="DIR", type=Path, required=True, help="where to write (created if absent)"
    )
    imported.set_defaults(handler=import_env)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)  # invalid: ConfigError, exit 78, every problem listed
    print(json.dumps(effective_config(config), indent=2, ensure_ascii=False))
    for notice in config.notices:
        print(f"warning: {notice}", file=sys.stderr)
    print(f"configuration {config.path} is valid", file=sys.stderr)
    return 0


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc}") from None


def import_env(args: argparse.Namespace) -> int:
    env_file: Path = args.env_file.resolve()
    env = envimport.parse_dotenv(_read(env_file, ".env file"))
    box = _read(args.box_config, "Box config") if args.box_config else None
    found = envimport.translate(env, env_file.parent, box)
    _report(found)
    if not args.box_config and (env_file.parent / OLD_BOX_CONFIG).is_file():
        print(f"hint: the old set-up's {env_file.parent / OLD_BOX_CONFIG} exists: "
              "pass it with --box-config")  # fmt: skip
    text = envimport.render(found, str(env_file))
    try:
        written = envimport.write(args.out, found, text)
    except FileExistsError as exc:
        print(
            f"ferrero-daemon config import-env: refusing to overwrite {exc}; nothing was "
            "written (choose another --out, or move those files away first)",
            file=sys.stderr,
        )
        return 1
    print(f"wrote {written[0]}" + (f" and {len(written) - 1} secret file(s) under "
          f"{args.out / 'credentials'} (mode 0600)" if len(written) > 1 else ""))  # fmt: skip
    return _validate(written[0])


def _report(found: envimport.Translation) -> None:
    width = max((len(old) for old, _ in found.mapped), default=0)
    for old, new in found.mapped:
        print(f"{old:<{width}}  →  {new}")
    for old, why in found.unmapped:
        print(f"could not map {old}: {why}")
    if found.ignored:
        print("ignored:")
        for old, why in found.ignored:
            print(f"  {old}: {why}")
    for key in found.missing:
        print(f"missing: {key} (not in the .env; fill it in config.toml)")
    if "box_jwt_config" not in found.secrets:
        print("missing: the Box JWT app's Box-config.json (pass it with --box-config)")
    for note in found.notes:
        print(f"note: {note}")


def _validate(config_file: Path) -> int:
    try:
        load_config(config_file, env={})
    except ConfigError as exc:
        print(
            f"{config_file} still needs work before the daemon can use it "
            f"(ferrero-daemon config --config {config_file}):",
            file=sys.stderr,
        )
        for problem in exc.problems or [str(exc)]:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"ferrero-daemon config accepts {config_file}")
    print(
        "next: copy it into place (deploy/README.md, step 3), e.g.\n"
        f"  sudo install -m 0640 -g ferrero-daemon {config_file} /etc/ferrero-daemon/config.toml\n"
        f"  sudo install -m 0600 {config_file.parent / 'credentials'}/* "
        "/etc/ferrero-daemon/credentials/"
    )
    return 0
