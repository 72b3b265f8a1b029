-- wrk script: each request opens a different invitation's one-click score link (each thread its
-- own slice of the links: benches/links.lua, which takes the arguments).
dofile("benches/links.lua")

init = function(args)
  read_links(args, function(line) return line end)
end
request = function()
  return wrk.format("GET", next_link())
end
