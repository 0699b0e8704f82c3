-- wrk script for bench/sim.sh: PUT createInstances with a ~610-byte body and a fresh
-- clientToken on every request (so each one creates, none is an idempotent replay).
local counter = 0
local prefix = string.format("%08x", math.random(0, 0x7fffffff))
local path = "/v1/regions/cn-north-1/instances"
local headers = { ["Content-Type"] = "application/json" }
local head = '{"regionId":"cn-north-1","clientToken":"'
local spec = '","instanceSpec":{"az":"cn-north-1a","deviceType":"cps.c.normal",' ..
  '"imageType":"standard","osTypeId":"bbbbbbbb-cccc-dddd-eeee-ffffffffffff",' ..
  '"sysRaidTypeId":"r-sys-raid1","dataRaidTypeId":"r-data-raid10","networkType":"basic",' ..
  '"enableInternet":"yes","lineType":"bgp","bandwidth":10,"name":"bench-web-server-01",' ..
  '"password":"Passw0rd!2024","count":1,"description":"created by bench/sim.sh to ' ..
  'measure how many createInstances calls per second cps-sim answers",'
local charge = '"charge":{"chargeMode":"prepaid_by_duration","chargeUnit":"month",' ..
  '"chargeDuration":3}}}'
local softwares = '"softwares":[{"name":"mysql","version":"5.7"},' ..
  '{"name":"nginx","version":"1.14"}],'
local tail = spec .. charge

-- `wrk ... -s sim_create.lua URL -- softwares` adds a softwares array to every body.
function init(args)
  -- one prefix per wrk thread keeps tokens unique across threads
  prefix = string.format("%08x", math.random(0, 0x7fffffff))
  if args[1] == "softwares" then
    tail = spec .. softwares .. charge
  end
end

function request()
  counter = counter + 1
  local token = string.format("%s-%012d", prefix, counter)
  return wrk.format("PUT", path, headers, head .. token .. tail)
end

function done(summary, latency, requests)
  local codes = summary.errors
  io.write(string.format("requests: %d, non-2xx/3xx: %d, socket errors: %d\n",
    summary.requests, codes.status, codes.connect + codes.read + codes.write + codes.timeout))
end
