# Device entry point (runs after boot.py). Everything lives in app.py.
import app

app.main()
