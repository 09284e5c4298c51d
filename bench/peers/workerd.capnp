# workerd config for peers_bench: one worker module serving the hello world on one HTTP
# socket. peers_bench binds the socket itself and hands it over with
# `workerd serve workerd.capnp --socket-fd http=FD`, so the address below is only the default
# for running it by hand (`bench/node_modules/.bin/workerd serve bench/peers/workerd.capnp`).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "hello", worker = .helloWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "hello") ],
);

const helloWorker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "hello_worker.js") ],
  compatibilityDate = "2024-09-23",
);
