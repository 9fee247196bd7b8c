-- wrk script: POSTs the resident form, each request with its own form token (bench/http.sh writes the file:
-- "CODE TOKEN" per line). Threads take every n-th line so no token is sent twice.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local categories = { "water", "road", "fire", "elevator", "sanitation", "help", "dispute", "other" }

function init(args)
  local threads = tonumber(args[2])
  lines = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % threads == id then lines[#lines + 1] = line end
    n = n + 1
  end
  i = 0
  boundary = "----wrkWhistleBoundary"
end

local function part(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

function request()
  i = i + 1
  local line = lines[((i - 1) % #lines) + 1]
  local code, token = line:match("^(%S+) (%S+)$")
  local body = part("category", categories[(i % #categories) + 1])
    .. part("description", "3号楼东侧下水道冒水，请尽快处理")
    .. part("phone", "13800000009")
    .. part("website", "")
    .. part("form_token", token)
    .. "--" .. boundary .. "--\r\n"
  return wrk.format("POST", "/p/" .. code, { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }, body)
end
