# Sourced by `make pytest`: a PulseAudio daemon with a null sink and a null source, so that
# audio tests play and record through a real (virtual) device on machines with no sound card.
# Where it cannot start, tests that need it skip with the reason (OSCE_SIM_AUDIO_SERVER=0).

audio_server_start() {
  export OSCE_SIM_AUDIO_SERVER=0
  if ! command -v pulseaudio >/dev/null 2>&1; then
    export OSCE_SIM_AUDIO_SKIP="pulseaudio is not installed"
    echo "audio server: $OSCE_SIM_AUDIO_SKIP"; return 0
  fi
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d /tmp/osce-sim-xdg.XXXXXX)}"
  chmod 700 "$XDG_RUNTIME_DIR"
  local log="$XDG_RUNTIME_DIR/pulseaudio.log"
  if ! pactl info >/dev/null 2>&1; then
    pulseaudio --start --exit-idle-time=-1 --daemonize=yes --log-target=file:"$log" \
      --disallow-exit=no >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  if ! pactl info >/dev/null 2>&1; then
    export OSCE_SIM_AUDIO_SKIP="pulseaudio did not start (see $log)"
    echo "audio server: $OSCE_SIM_AUDIO_SKIP"; return 0
  fi
  pactl list short sinks | grep -q vsink || pactl load-module module-null-sink sink_name=vsink >/dev/null
  pactl list short sources | grep -q vmic || pactl load-module module-null-source source_name=vmic >/dev/null
  pactl set-default-sink vsink
  pactl set-default-source vmic
  export OSCE_SIM_AUDIO_SERVER=1
  echo "audio server: PulseAudio with null sink 'vsink' and null source 'vmic'"
}

audio_server_stop() {
  if [ "${OSCE_SIM_AUDIO_SERVER:-0}" = 1 ]; then pulseaudio --kill >/dev/null 2>&1 || true; fi
}
