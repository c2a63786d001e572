{
  "targets": [
    {
      "target_name": "splice-relay",
      "sources": ["splice-relay.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra"]
    }
  ]
}
