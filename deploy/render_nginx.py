"""Render deploy/nginx/anjian.conf for a machine: its paths, its gunicorn ports, and optionally plain HTTP on one port
(no TLS) with a complete nginx.conf around it, as `make deploy-check` runs it; --compose renders it for
docker-compose (upstreams web1/web2, the container paths).

    python deploy/render_nginx.py --static DIR --media DIR --private DIR [--upstream 127.0.0.1:8001 …]
        [--http-port 8080 --standalone DIR]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent


def render(*, static, media, private, proxy_params, upstreams, http_port=None) -> str:
    site = (HERE / "nginx" / "anjian.conf").read_text(encoding="utf-8")
    # The upstreams replace the example servers and keep their parameters (max_fails, max_conns).
    params = re.search(r"\n    server \S+ ([^;]*);", site).group(1)
    servers = "".join(f"    server {u} {params};\n" for u in upstreams)
    site = re.sub(
        r"(upstream anjian_web \{\n(?:    (?:#.*|zone .*)\n)*)(?:    server .*\n)+",
        lambda m: m.group(1) + servers,
        site,
    )
    site = site.replace("STATIC_ROOT/", f"{static}/").replace("MEDIA_ROOT/", f"{media}/")
    site = site.replace(f"PRIVATE_{media}/", f"{private}/").replace("PROXY_PARAMS", str(proxy_params))
    if http_port is not None:
        # Plain HTTP on one port: drop the redirecting server and the TLS lines.
        site = re.sub(r"# HTTP only redirects to HTTPS\.\nserver \{.*?\n\}\n\n", "", site, flags=re.S)
        site = site.replace("    listen 443 ssl;\n    http2 on;\n", f"    listen 127.0.0.1:{http_port};\n")
        site = re.sub(r"    # TLS termination.*?ssl_session_cache [^\n]*\n", "", site, flags=re.S)
    return site


def standalone(site_path: Path, directory: Path) -> str:
    """A complete nginx.conf for an unprivileged nginx whose files all live in `directory`."""
    return f"""worker_processes 2;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    # $request_time: how long nginx itself took to answer (the overload test reads it for its 503s).
    log_format timed '$remote_addr [$time_local] "$request" $status $body_bytes_sent rt=$request_time '
                     'urt=$upstream_response_time';
    access_log {directory}/access.log timed;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    sendfile on;
    include {site_path};
}}
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--static", default="/srv/anjian/static")
    parser.add_argument("--media", default="/srv/anjian/media")
    parser.add_argument("--private", default="/srv/anjian/private")
    parser.add_argument("--upstream", action="append")
    parser.add_argument("--http-port", type=int)
    parser.add_argument(
        "--standalone", type=Path, help="write site.conf, proxy_params.conf and nginx.conf here"
    )
    parser.add_argument("--compose", action="store_true")
    args = parser.parse_args()
    if args.compose:
        print(
            render(
                static="/srv/anjian/static",
                media="/srv/anjian/media",
                private="/srv/anjian/private",
                proxy_params="/etc/nginx/anjian_proxy_params.conf",
                upstreams=["web1:8001", "web2:8002"],
            )
        )
        return
    upstreams = args.upstream or ["127.0.0.1:8001", "127.0.0.1:8002"]
    if args.standalone is None:
        print(
            render(
                static=args.static,
                media=args.media,
                private=args.private,
                proxy_params="/etc/nginx/anjian_proxy_params.conf",
                upstreams=upstreams,
                http_port=args.http_port,
            )
        )
        return
    d = args.standalone.resolve()
    d.mkdir(parents=True, exist_ok=True)
    params = d / "proxy_params.conf"
    params.write_text((HERE / "nginx" / "proxy_params.conf").read_text(encoding="utf-8"), encoding="utf-8")
    site = d / "site.conf"
    site.write_text(
        render(
            static=args.static,
            media=args.media,
            private=args.private,
            proxy_params=params,
            upstreams=upstreams,
            http_port=args.http_port,
        ),
        encoding="utf-8",
    )
    (d / "nginx.conf").write_text(standalone(site, d), encoding="utf-8")
    print(d / "nginx.conf")


if __name__ == "__main__":
    main()
