wrk.method = "POST"
wrk.body = '{"content": "Call the customer back about the renewal", "org_id": 5}'
wrk.headers["Content-Type"] = "application/json"
