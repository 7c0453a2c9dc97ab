"""Write tests/backend/api/openapi_contract.json: the API document outside clients are built against.

Run through ``make openapi-contract`` after a deliberate change to the API, then review the diff.
"""

import json
import pathlib
import tempfile

from threadbook.app import create_app

CONTRACT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "backend" / "api" / "openapi_contract.json"


def main():
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{folder}/contract.sqlite3", "RATELIMIT_ENABLED": False})
        document = app.test_client().get("/api/v1/openapi.json").get_json()
    CONTRACT.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"Wrote {CONTRACT} ({len(document['paths'])} paths).")


if __name__ == "__main__":
    main()
