-- wrk script: POST message creates to the sandbox with its default test credentials.
wrk.method = "POST"
wrk.path = "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json"
wrk.body = "To=%2B14155550100&From=%2B15005550006&Body=Hello+from+wrk"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
-- ACaaaa...:5a5b0a9c1d2e3f405162738495a6b7c8
wrk.headers["Authorization"] = "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTo1YTViMGE5YzFkMmUzZjQwNTE2MjczODQ5NWE2YjdjOA=="

local created = 0
local others = 0
response = function(status, headers, body)
  if status == 201 then created = created + 1 else others = others + 1 end
end
