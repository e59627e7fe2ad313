# A UDP echo server: answers every datagram with "echo: " + the datagram; stops after "quit".
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(b"echo: " + data, peer)
    if data == b"quit":
        break
