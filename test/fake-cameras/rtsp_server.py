#!/usr/bin/python3
"""A fake IP camera: a GStreamer RTSP server that re-serves RTP it receives on local UDP ports.

Each mount listens for H.264 RTP (and optionally AAC RTP, as ffmpeg's `-f rtp` sends it) on a loopback UDP
port and re-payloads it, so the expensive part (encoding) is done once, ahead of time, and a feeder only
copies packets. Media is shared, so many clients can watch one mount at once.

Usage:
  rtsp_server.py --port 8554 --mount main:5000 --mount sub:5002:5004:118856e500
  rtsp_server.py --json '{"port": 8554, "mounts": [{"path": "main", "videoPort": 5000}],
                          "auth": {"method": "digest", "username": "u", "password": "p"}}'

A mount spec on the command line is PATH:VIDEO_PORT[:AUDIO_PORT:AUDIO_CONFIG_HEX[:CLOCK_RATE[:CHANNELS]]],
where AUDIO_CONFIG_HEX is the AudioSpecificConfig from ffmpeg's SDP (`config=` in the fmtp line).

Prints `READY rtsp://127.0.0.1:PORT` on stdout once listening; exits 0 on SIGTERM or SIGINT.
Needs the system python (python3-gi) and gir1.2-gst-rtsp-server-1.0 plus gstreamer1.0-plugins-{base,good,bad}.
"""

import argparse
import json
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

ROLE = "camera-user"
VIDEO_PAYLOAD = 96
AUDIO_PAYLOAD = 97
# Room for a 1080p keyframe burst (dozens of packets) while the pipeline is busy; the kernel caps it at rmem_max.
UDP_BUFFER_BYTES = 4 * 1024 * 1024
# mode=none: buffer times follow the feeder's RTP timestamps exactly (no clock-skew slewing, which bent frame
# spacing to 20-38 ms for seconds after a client joined; without a jitter buffer, packet arrival times gave
# 41 +/- 10 ms). Both ends run on this host's clock, so there is no skew to correct anyway.
# A mount's "latencyMs" lowers it for the clock camera, whose live feeder sends each frame as it is drawn.
JITTER_LATENCY_MS = 100


def jitter_buffer(latency_ms):
    return f"rtpjitterbuffer latency={latency_ms} mode=none"


def parse_mount(spec):
    parts = spec.split(":")
    if len(parts) not in (2, 4, 5, 6):
        raise ValueError(f"bad mount spec {spec!r}: want PATH:VIDEO_PORT[:AUDIO_PORT:CONFIG[:RATE[:CHANNELS]]]")
    mount = {"path": parts[0], "videoPort": int(parts[1])}
    if len(parts) >= 4:
        mount["audio"] = {
            "port": int(parts[2]),
            "config": parts[3],
            "clockRate": int(parts[4]) if len(parts) >= 5 else 48000,
            "channels": int(parts[5]) if len(parts) >= 6 else 1,
        }
    return mount


def video_branch(port, latency_ms, codec="h264"):
    name = "H265" if codec == "h265" else "H264"
    element = "h265" if codec == "h265" else "h264"
    caps = f"application/x-rtp,media=video,clock-rate=90000,encoding-name={name},payload={VIDEO_PAYLOAD}"
    # The parser repeats the parameter sets before every keyframe so a client that joins mid-stream can decode
    # from its first keyframe, whatever the clip carries.
    return (
        f'udpsrc address=127.0.0.1 port={port} buffer-size={UDP_BUFFER_BYTES} caps="{caps}" '
        f"! {jitter_buffer(latency_ms)} "
        f"! rtp{element}depay ! {element}parse config-interval=-1 "
        f"! rtp{element}pay name=pay0 pt={VIDEO_PAYLOAD} mtu=1400"
    )


def audio_branch(audio):
    caps = (
        f"application/x-rtp,media=audio,clock-rate={audio['clockRate']},encoding-name=MPEG4-GENERIC,"
        f"payload={AUDIO_PAYLOAD},encoding-params=(string){audio['channels']},mode=(string)AAC-hbr,"
        f"sizelength=(string)13,indexlength=(string)3,indexdeltalength=(string)3,"
        f"config=(string){audio['config']},streamtype=(string)5"
    )
    return (
        f'udpsrc address=127.0.0.1 port={audio["port"]} buffer-size={UDP_BUFFER_BYTES} caps="{caps}" '
        f"! {jitter_buffer(JITTER_LATENCY_MS)} "
        f"! rtpmp4gdepay ! aacparse ! rtpmp4gpay name=pay1 pt={AUDIO_PAYLOAD}"
    )


def make_factory(mount):
    launch = video_branch(
        mount["videoPort"], int(mount.get("latencyMs", JITTER_LATENCY_MS)), mount.get("codec", "h264")
    )
    if mount.get("audio"):
        launch += " " + audio_branch(mount["audio"])
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(f"( {launch} )")
    # One pipeline per mount, whatever the number of clients: a UDP port can only feed one udpsrc anyway.
    factory.set_shared(True)
    return factory


def make_auth(auth):
    rtsp_auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, ROLE)
    if auth["method"] == "basic":
        rtsp_auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        rtsp_auth.add_basic(GstRtspServer.RTSPAuth.make_basic(auth["username"], auth["password"]), token)
    elif auth["method"] == "digest":
        rtsp_auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        rtsp_auth.add_digest(auth["username"], auth["password"], token)
    else:
        raise ValueError(f"unknown auth method {auth['method']!r}: want basic or digest")
    return rtsp_auth


def role_permissions():
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_permission_for_role(ROLE, GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
    permissions.add_permission_for_role(ROLE, GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
    return permissions


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Fake RTSP camera fed by RTP over loopback UDP.")
    parser.add_argument("--json", help="whole configuration as JSON: {port, mounts: [...], auth?}")
    parser.add_argument("--port", type=int, help="RTSP port on 127.0.0.1")
    parser.add_argument("--mount", action="append", default=[], help="PATH:VIDEO_PORT[:AUDIO_PORT:CONFIG...]")
    parser.add_argument("--auth", choices=["basic", "digest"], help="require this authentication method")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args(argv)
    config = json.loads(args.json) if args.json else {}
    if args.port is not None:
        config["port"] = args.port
    config.setdefault("mounts", []).extend(parse_mount(spec) for spec in args.mount)
    if args.auth:
        config["auth"] = {"method": args.auth, "username": args.username, "password": args.password}
    if not config.get("port") or not config["mounts"]:
        parser.error("need a port and at least one mount")
    return config


def main(argv):
    config = parse_args(argv)
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(config["port"]))
    if config.get("auth"):
        server.set_auth(make_auth(config["auth"]))
    mounts = server.get_mount_points()
    for mount in config["mounts"]:
        factory = make_factory(mount)
        if config.get("auth"):
            factory.set_permissions(role_permissions())
        mounts.add_factory("/" + mount["path"].lstrip("/"), factory)

    if server.attach(None) == 0:
        print(f"rtsp_server: cannot listen on 127.0.0.1:{config['port']}", file=sys.stderr, flush=True)
        return 1

    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, lambda *_: loop.quit() or GLib.SOURCE_REMOVE)
    paths = ",".join("/" + m["path"].lstrip("/") for m in config["mounts"])
    print(f"READY rtsp://127.0.0.1:{config['port']} mounts={paths}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
