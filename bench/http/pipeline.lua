-- SPDX-License-Identifier: MIT
-- wrk: 16 pipelined `GET /` per write, TechEmpower-plaintext style (bench/http/run.py).
-- wrk counts each of the 16 responses as one request.
local depth = 16

init = function(args)
  local batch = {}
  for i = 1, depth do
    batch[i] = wrk.format("GET", "/")
  end
  pipelined = table.concat(batch)
end

request = function()
  return pipelined
end
