-- wrk script: each request opens a different invitation's one-click score link. Args: PATHS
-- [PARTS] [PART], PATHS holding one link per line; the links are cut into PARTS slices and
-- thread k of the wrk feeding part PART starts at the start of slice 2 × PART + k, so no two
-- threads (nor two wrk processes feeding two instances) send the same invitation's link at
-- once, as two customers would not.
local next_thread = 0
function setup(thread)
  thread:set("index", next_thread)
  next_thread = next_thread + 1
end

local paths = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  local parts, part = tonumber(args[2] or "2"), tonumber(args[3] or "0")
  i = (2 * part + index) * math.floor(#paths / parts)
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
