#!/bin/sh
# mkcerts.sh DIR: make the simulator's throwaway TLS and JWT material.
#
#   DIR/ca.pem           a CA certificate made for this directory only
#   DIR/server.pem       the server certificate (127.0.0.1, ::1, localhost)
#   DIR/server-key.pem   its key
#   DIR/jwt-key.pem      RSA key a test signs JWT bearer assertions with
#   DIR/jwt-cert.pem     its self-signed certificate, the "connected app"
#                        certificate the simulator verifies assertions with
#
# Files that exist are kept.  The CA key is deleted once the server
# certificate is signed, so nothing else can ever be signed by this CA.
set -eu
dir=${1:?usage: mkcerts.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077
days=825

if [ ! -f ca.pem ] || [ ! -f server.pem ] || [ ! -f server-key.pem ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
	    -keyout "$tmp/ca-key.pem" -out "$tmp/ca.pem" \
	    -subj "/O=sfsim/CN=sfsim throwaway CA $$" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
	openssl req -new -newkey rsa:2048 -nodes -sha256 \
	    -keyout "$tmp/server-key.pem" -out "$tmp/server.csr" \
	    -subj "/O=sfsim/CN=localhost" 2>"$tmp/err" ||
	    { cat "$tmp/err" >&2; exit 1; }
	cat >"$tmp/ext" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
EXT
	openssl x509 -req -sha256 -days "$days" -in "$tmp/server.csr" \
	    -CA "$tmp/ca.pem" -CAkey "$tmp/ca-key.pem" -CAcreateserial \
	    -extfile "$tmp/ext" -out "$tmp/server.pem" 2>"$tmp/err" ||
	    { cat "$tmp/err" >&2; exit 1; }
	mv "$tmp/server-key.pem" server-key.pem
	mv "$tmp/server.pem" server.pem
	mv "$tmp/ca.pem" ca.pem
	chmod 644 ca.pem server.pem
fi

if [ ! -f jwt-key.pem ] || [ ! -f jwt-cert.pem ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
	    -keyout jwt-key.pem -out jwt-cert.pem \
	    -subj "/O=sfsim/CN=sfsim connected app" 2>/dev/null
	chmod 644 jwt-cert.pem
fi
