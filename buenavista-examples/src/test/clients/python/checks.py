"""The one check every client script uses: prints "ok: <step>" when it passes and raises when it does not, so a
failed step gives a non-zero exit code."""


def check(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")
    print(f"ok: {what}", flush=True)
