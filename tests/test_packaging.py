"""The package builds a wheel that carries what its processes load at run time:
the console's page, script and styles, the web chat page and the migrations."""
import subprocess
import sys
import zipfile


def test_the_wheel_ships_the_console_assets_and_migrations(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path)], check=True, capture_output=True)
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("bot/console/web/index.html", "bot/console/web/console.js", "bot/console/web/console.css",
                   "bot/console/web/dashboard.js",
                   "bot/web/webchat.html", "bot/migrations/env.py", "bot/console/agent_api.py"):
        assert needed in names, needed
    assert any(n.startswith("bot/migrations/versions/") for n in names)
