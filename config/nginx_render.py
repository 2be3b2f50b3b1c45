"""Renders config/nginx/templates for an nginx run outside its container (tests and CI).

The official nginx image renders /etc/nginx/templates/*.template into /etc/nginx/conf.d/ at
start-up, replacing `$NGINX_*` / `${NGINX_*}` with the container's environment
(NGINX_ENVSUBST_FILTER=NGINX_) and including conf.d/*.conf in the `http` block of its
nginx.conf. This does the same with the values given, and writes beside them a main nginx.conf
shaped like the image's, with its pid, logs and temporary files in one directory:

    python -m config.nginx_render DIR --port 8080 --upstream 127.0.0.1:8000 \
        --static-root staticfiles --max-body-bytes 1048576
    nginx -p DIR -e DIR/error.log -c DIR/nginx.conf

Plain Python, no Django: CI calls it before any settings exist.
"""

import argparse
import os
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "nginx" / "templates"
SUFFIX = ".template"
# The image's substitution (entrypoint/20-envsubst-on-templates.sh), filter NGINX_.
VARIABLE = re.compile(r"\$(\{)?(NGINX_\w*)(?(1)\})")
MIME_TYPES = Path("/etc/nginx/mime.types")


def render(text: str, values: dict[str, str]) -> str:
    """The template with its NGINX_* variables replaced; an unknown one is an error (the image
    would leave it, and nginx would fail on it less clearly)."""
    unknown = sorted({m.group(2) for m in VARIABLE.finditer(text)} - values.keys())
    if unknown:
        raise KeyError(f"no value for {', '.join(unknown)}")
    return VARIABLE.sub(lambda m: values[m.group(2)], text)


def template_variables() -> set[str]:
    """Every NGINX_* variable the templates use."""
    return {
        m.group(2)
        for template in TEMPLATES.glob(f"*{SUFFIX}")
        for m in VARIABLE.finditer(template.read_text())
    }


def main_config(directory: Path) -> str:
    """The image's nginx.conf, with this directory for what it writes."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the static root
    mime = f"include {MIME_TYPES};" if MIME_TYPES.exists() else "types { text/css css; }"
    return f"""{user}worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log info;
events {{ worker_connections 512; }}
http {{
    {mime}
    default_type application/octet-stream;
    access_log {directory}/access.log;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/conf.d/*.conf;
}}
"""


def write_config(
    directory: Path, *, port: int, upstream: str, static_root: Path, max_body_bytes: int
) -> Path:
    """Renders every template into DIRECTORY/conf.d and writes DIRECTORY/nginx.conf (returned)."""
    directory = Path(directory).resolve()
    values = {
        "NGINX_PORT": str(port),
        "NGINX_UPSTREAM": upstream,
        "NGINX_STATIC_ROOT": str(Path(static_root).resolve()),
        "NGINX_MAX_BODY_BYTES": str(max_body_bytes),
    }
    (directory / "conf.d").mkdir(parents=True, exist_ok=True)
    for template in sorted(TEMPLATES.glob(f"*{SUFFIX}")):
        target = directory / "conf.d" / template.name.removesuffix(SUFFIX)
        target.write_text(render(template.read_text(), values))
    path = directory / "nginx.conf"
    path.write_text(main_config(directory))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--static-root", type=Path, required=True)
    parser.add_argument("--max-body-bytes", type=int, required=True)
    args = parser.parse_args()
    print(
        write_config(
            args.directory,
            port=args.port,
            upstream=args.upstream,
            static_root=args.static_root,
            max_body_bytes=args.max_body_bytes,
        )
    )


if __name__ == "__main__":
    main()
