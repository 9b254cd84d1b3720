-- wrk: replays signed deliveries from DELIVERIES (one per request, in order, wrapping around) to PATH, from line
-- START + 1 (default 0): the warm-up and the measured run use separate deliveries, so the run sends no duplicates.
local deliveries = {}
local index = tonumber(os.getenv("START") or "0")

init = function(args)
  for line in io.lines(os.getenv("DELIVERIES")) do
    local id, ts, sig, body = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)")
    deliveries[#deliveries + 1] = { id = id, ts = ts, sig = sig, body = body }
  end
end

request = function()
  index = index % #deliveries + 1
  local d = deliveries[index]
  return wrk.format("POST", os.getenv("HOOK_PATH"), {
    ["content-type"] = "application/json",
    ["webhook-id"] = d.id,
    ["webhook-timestamp"] = d.ts,
    ["webhook-signature"] = d.sig,
  }, d.body)
end
