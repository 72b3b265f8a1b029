-- Shared by benches/answers.lua and benches/answers_form.lua: each wrk thread's own slice of
-- the invitation links. Args: PATHS [PARTS] [PART], PATHS holding one link per line; the links
-- are cut into PARTS slices and thread k of the wrk feeding part PART starts at the start of
-- slice 2 × PART + k, so no two threads (nor two wrk processes feeding two instances) send the
-- same invitation's link at once, as two customers would not. A thread that has sent its whole
-- slice goes on into the next one: those requests answer an invitation a second time, and
-- done() says how many there were (the bench makes enough links that there are none).
dofile("benches/threads.lua")

-- Reads the links, each passed through `shape` (the path a request takes).
function read_links(args, shape)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = shape(line) end
  local parts, part = tonumber(args[2] or "2"), tonumber(args[3] or "0")
  slice = math.floor(#paths / parts)
  i = (2 * part + index) * slice
  sent, again = 0, 0
end

-- The next link of this thread's slice (and beyond it, once the slice is used up).
function next_link()
  i = i % #paths + 1
  sent = sent + 1
  if sent > slice then again = again + 1 end
  return paths[i]
end

function done(summary, latency, requests)
  local again_total = 0
  for _, t in ipairs(threads) do again_total = again_total + t:get("again") end
  io.write(string.format("second answers: %d of %d requests\n", again_total, summary.requests))
end
