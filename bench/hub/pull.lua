-- wrk script: each connection alternates GET manifest / GET blob (a pull of
-- a 1 MB filter is exactly these two requests). Paths come from env.
local manifest = os.getenv("HUB_MANIFEST_PATH")
local blob = os.getenv("HUB_BLOB_PATH")
local n = 0
request = function()
  n = n + 1
  if n % 2 == 1 then
    return wrk.format("GET", manifest, {["Accept"] = "application/vnd.oci.image.manifest.v1+json"})
  end
  return wrk.format("GET", blob)
end
