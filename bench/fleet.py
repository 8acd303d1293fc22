"""Fleet telemetry benchmark: 500 simulated kiosks publishing their state once a second through Mosquitto.

    .venv/bin/python bench/fleet.py [--kiosks 500] [--seconds 20]

Starts a private Mosquitto (the fleet ACL, a user and password per kiosk, as tests/fixtures/mosquitto.py) and the
reference hall with its fleet feed, each as its own process, on free loopback ports. The kiosks are paho clients
in worker processes (250 each), each with its own connection and credentials, publishing the retained state
(kiosk.devices.telemetry.state) once a second, QoS 1, staggered over the second. Each state carries its send time;
the hall's fleet model (hall_server.fleet_feed, fed by its own subscriber in this process) stamps each state as it
lands: publish → fleet model updated. Also prints the CPU the broker and the hall's feed used.
Prints figures; asserts nothing. Bounded: a fixed number of seconds, then everything is stopped.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from domain.fleet_topics import topic  # noqa: E402
from hall_server.clock import SystemClock  # noqa: E402
from hall_server.fleet_feed import FleetBroker, FleetFeed, FleetModel  # noqa: E402
from kiosk.devices.telemetry.state import kiosk_state  # noqa: E402
from tests.fixtures.mosquitto import Broker, _free_port, _wait_until_listening, fleet_acl  # noqa: E402

SITE = "bench-site"


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User and system CPU seconds of a process, or of one of its threads."""
    path = f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat"
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_broker(folder: Path, kiosks: list[str]) -> Broker:
    broker = Broker(_free_port(), folder)
    for user in ("hall-fleet", *kiosks):
        broker.passwords[user] = secrets.token_urlsafe(12)
    (folder / "passwd").write_text("".join(f"{u}:{p}\n" for u, p in broker.passwords.items()))
    subprocess.run(["mosquitto_passwd", "-U", str(folder / "passwd")], check=True, capture_output=True)
    (folder / "acl").write_text(fleet_acl({kiosk: SITE for kiosk in kiosks}, "hall-fleet"))
    (folder / "mosquitto.conf").write_text(
        f"listener {broker.port} 127.0.0.1\nallow_anonymous false\npassword_file {folder / 'passwd'}\n"
        f"acl_file {folder / 'acl'}\npersistence false\nmax_keepalive 600\nmax_queued_messages 0\nlog_dest none\n"
        + ("user root\n" if os.geteuid() == 0 else ""))
    broker.process = subprocess.Popen(["mosquitto", "-c", str(folder / "mosquitto.conf")], stderr=subprocess.DEVNULL)
    _wait_until_listening(broker)
    return broker


class Kiosks:
    """The simulated kiosks: one paho connection each, all driven by one publishing thread."""

    def __init__(self, broker: Broker, names: list[str]) -> None:
        self.clients = []
        for name in names:
            client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5)
            client.username_pw_set(name, broker.password(name))
            client.connect("127.0.0.1", broker.port, keepalive=60)
            client.loop_start()
            self.clients.append((name, client))
        deadline = time.monotonic() + 60
        while not all(client.is_connected() for _name, client in self.clients) and time.monotonic() < deadline:
            time.sleep(0.05)                # until every CONNACK is in: a kiosk publishes only once connected
        self.sent = 0

    def run(self, seconds: float) -> None:
        step = 1.0 / len(self.clients)
        started = time.monotonic()
        tick = 0
        while time.monotonic() - started < seconds:
            for index, (name, client) in enumerate(self.clients):
                due = started + tick + index * step
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)       # pacing the publishers, not synchronising anything
                state = kiosk_state(kiosk_id=name, site=SITE, profile="hall", heartbeat={
                    "status": "ok", "app_version": "0.1.0", "uptime_seconds": tick,
                    "components": {"printer": {"status": "ok", "message": ""}}}, devices={"printer": "ready"},
                    suspended=False, last_errors=[], at=time.time())
                state["sent"] = time.time()
                client.publish(topic(SITE, name, "state"), json.dumps(state), qos=1, retain=True)
                self.sent += 1
            tick += 1

    def stop(self) -> None:
        for _name, client in self.clients:
            client.disconnect()
            client.loop_stop()


KIOSKS_PER_PROCESS = 250      # paho waits with select(): its sockets must stay below descriptor 1024 in a process


def _simulate(broker: Broker, names: list[str], seconds: float, sent: "multiprocessing.Queue[int]") -> None:
    kiosks = Kiosks(broker, names)
    kiosks.run(seconds)
    kiosks.stop()
    sent.put(kiosks.sent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    names = [f"kiosk-{n:03d}" for n in range(args.kiosks)]

    with tempfile.TemporaryDirectory() as folder:
        broker = start_broker(Path(folder), names)
        delays: list[float] = []
        lock = threading.Lock()
        model = FleetModel(SystemClock().now)
        applied = model.apply

        def timed_apply(where, payload, *, retained=False) -> bool:
            done = applied(where, payload, retained=retained)
            landed = time.time()
            with lock:
                delays.append((landed - json.loads(payload)["sent"]) * 1000)
            return done

        model.apply = timed_apply      # type: ignore[method-assign]
        feed = FleetFeed(model, FleetBroker(broker.url, "hall-fleet", broker.password("hall-fleet"))).start()
        if not feed.subscribed.wait(10):
            sys.exit("the fleet feed never subscribed")
        sent: multiprocessing.Queue[int] = multiprocessing.Queue()
        workers = [multiprocessing.Process(target=_simulate, args=(broker, names[start:start + KIOSKS_PER_PROCESS],
                                                                   args.seconds, sent))
                   for start in range(0, len(names), KIOSKS_PER_PROCESS)]
        warm = args.seconds * 0.2
        feed_thread = feed._client._thread.native_id        # paho's network thread: it updates the model
        broker_cpu, feed_cpu = cpu_seconds(broker.process.pid), cpu_seconds(os.getpid(), feed_thread)
        wall = time.monotonic()
        for worker in workers:
            worker.start()
        published = sum(sent.get(timeout=args.seconds + 120) for _ in workers)
        for worker in workers:
            worker.join(timeout=30)
        elapsed = time.monotonic() - wall
        broker_cpu = cpu_seconds(broker.process.pid) - broker_cpu
        feed_cpu = cpu_seconds(os.getpid(), feed_thread) - feed_cpu
        feed.stop()
        broker.process.terminate()
        broker.process.wait(timeout=10)
    with lock:
        measured = sorted(delays[int(len(delays) * warm / args.seconds):])
    p50 = statistics.median(measured)
    p99 = measured[int(len(measured) * 0.99)]
    print(f"{args.kiosks} kiosks, 1 state/s each for {args.seconds:.0f} s: {published} published, "
          f"{len(delays)} reached the fleet model")
    print(f"publish -> fleet model updated: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {measured[-1]:.1f} ms")
    print(f"CPU, of one core: broker {broker_cpu / elapsed * 100:.0f} %, the hall's fleet feed (model updates)"
          f" {feed_cpu / elapsed * 100:.0f} %")


if __name__ == "__main__":
    main()
