#!/usr/bin/env python3
"""TLS in front of a plain TCP server, for the HTTPS tests: tls-proxy.py CERT KEY TARGET_PORT.
Listens on 127.0.0.1 (a free port, printed on stdout), decrypts, and forwards each
connection to 127.0.0.1:TARGET_PORT. Standard library only."""
import socket, ssl, sys, threading

cert, key, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(conn):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        conn.close()  # the client refused our certificate
        return
    up = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pump, args=(up, tls), daemon=True).start()
    pump(tls, up)


while True:
    c, _ = listener.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
