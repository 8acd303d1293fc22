#!/usr/bin/env bash
# Sets up everything the kiosk and its tests need on a fresh Debian 12 machine, and nothing more:
# the Debian packages (GL, touch input, CJK fonts), a virtual environment in .venv, and the pinned
# Python packages from setup.cfg. Safe to run again: it only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")"

# libgl1/libegl1: Kivy renders through GL, offscreen (EGL) when there is no display.
# libmtdev1: multitouch touchscreens. fonts-wqy-microhei: the UI's CJK font.
# fonts-hanazono: rare characters (CJK Extension A/B) that occur in names on ID cards.
# fonts-material-design-icons-iconfont: the icons on service tiles and status messages (text-only without it).
# espeak-ng: offline text-to-speech for the spoken prompts, in Mandarin.
# pcscd: the PC/SC daemon that drives the gas terminal's IC card reader; vsmartcard-vpcd: its virtual
# reader, into which the tests plug the project's own gas card. libpcsclite-dev, swig, gcc, python3-dev:
# pyscard (setup.cfg) builds from source against them. linux-libc-dev: the kernel's input headers, which
# evdev (the keyboard-wedge code scanner) builds against. chromium: the browser the tests drive (Playwright,
# setup.cfg) through the hall's web pages; Debian's own build, since Playwright's download of its browser
# cannot be relied on. mosquitto: the MQTT broker fleet telemetry goes through (the tests start a private one);
# postgresql: the reference hall's second database (the tests use the server on 127.0.0.1:5432 when one answers,
# else start a private cluster with its initdb).
# libzinnia0, tegaki-zinnia-simplified-chinese: handwriting recognition (zinnia and its zh_CN model); librime1,
# librime-data, rime-data-luna-pinyin: pinyin input (librime and the Luna Pinyin schemas). Both through ctypes.
apt_packages=(libgl1 libegl1 libmtdev1 fonts-wqy-microhei fonts-hanazono fonts-material-design-icons-iconfont
              libusb-1.0-0 espeak-ng
              pcscd vsmartcard-vpcd libpcsclite-dev swig gcc python3-dev linux-libc-dev chromium
              mosquitto postgresql
              libzinnia0 tegaki-zinnia-simplified-chinese librime1 librime-data rime-data-luna-pinyin)
python3 -c 'import ensurepip' 2>/dev/null || apt_packages+=(python3-venv)

missing=()
for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=".venv/.bootstrap-stamp"
wanted=$(cat setup.cfg pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "bootstrap: installing Python packages into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check --only-binary=kivy -e ".[test]"
    echo "$wanted" > "$stamp"
fi
