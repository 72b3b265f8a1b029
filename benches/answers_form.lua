-- wrk script: each request posts a score with the answer page's form (a person: the answer
-- counts at once, so the rollups are written). Paths are score links; the form posts to the
-- invitation's page (the link without its last segment). Links and arguments as
-- benches/answers.lua: no two threads post for the same invitation at once.
dofile("benches/links.lua")

init = function(args)
  read_links(args, function(line) return (line:gsub("/%d+$", "")) end)
end
request = function()
  return wrk.format("POST", next_link(), {["Content-Type"] = "application/x-www-form-urlencoded"}, "score=8")
end
