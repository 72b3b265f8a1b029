-- wrk script: each request posts a score with the answer page's form (a person: the answer
-- counts at once, so the rollups are written). Paths are score links; the form posts to the
-- invitation's page (the link without its last segment).
local paths = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line:gsub("/%d+$", "") end
  i = math.random(#paths)
end
request = function()
  i = i % #paths + 1
  return wrk.format("POST", paths[i], {["Content-Type"] = "application/x-www-form-urlencoded"}, "score=8")
end
