{
  "targets": [
    {
      "target_name": "reaper",
      "sources": ["reaper.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra"]
    }
  ]
}
