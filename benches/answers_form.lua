-- wrk script: each request posts a score with the answer page's form (a person: the answer
-- counts at once, so the rollups are written). Paths are score links; the form posts to the
-- invitation's page (the link without its last segment). Args as benches/answers.lua: no two
-- threads post for the same invitation at once.
local next_thread = 0
function setup(thread)
  thread:set("index", next_thread)
  next_thread = next_thread + 1
end

local paths = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line:gsub("/%d+$", "") end
  local parts, part = tonumber(args[2] or "2"), tonumber(args[3] or "0")
  i = (2 * part + index) * math.floor(#paths / parts)
end
request = function()
  i = i % #paths + 1
  return wrk.format("POST", paths[i], {["Content-Type"] = "application/x-www-form-urlencoded"}, "score=8")
end
