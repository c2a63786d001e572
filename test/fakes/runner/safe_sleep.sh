#!/bin/bash
# Fake actions/runner safe_sleep.sh: sleep N seconds (the real one falls back
# to ping or read when `sleep` is missing; test images always have it).
sleep "$1"
