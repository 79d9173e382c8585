"""Checks the Open311 endpoint with an existing GeoReport v2 client from PyPI (georeport)."""
import sys

import requests
from georeport import GeoReport

base = sys.argv[1].rstrip("/")
token = requests.post(f"{base}/api/v1/auth/token", json={"username": "office", "password": "courtyard-demo"}).json()["token"]
key = requests.post(f"{base}/api/v1/open311/keys", json={"name": "georeport check"},
                    headers={"Authorization": f"Bearer {token}"}).json()["api_key"]
compound = requests.get(f"{base}/api/v1/compounds?limit=1", headers={"Authorization": f"Bearer {token}"}).json()["items"][0]["id"]

for fmt in ("json", "xml"):
    client = GeoReport(f"{base}/open311/v2", api_key=key, output_format=fmt)
    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "safety" in codes and len(codes) == 10, codes
    posted = requests.post(f"{base}/open311/v2/requests.{fmt}",
                           data={"api_key": key, "service_code": "safety", "address_id": compound, "description": "沟槽无围挡"})
    assert posted.status_code == 201, posted.text
    one = client.get_service_request("1")
    assert one["status"] in ("open", "closed"), one
    listed = client.get_service_requests(status="open", service_code="safety")
    assert isinstance(listed, list) and all(r["status"] == "open" for r in listed), listed
    print(f"georeport ({fmt}): {len(services)} services, {len(listed)} open safety requests, request 1 is {one['status']}")
