#!/usr/bin/env python3
"""Independent reference of the generator of docs/randomize.md (hashlib/hmac only).

Prints the anchor list of generator_test.cpp (FixedSeedGivesTheDocumentedList): the arm and
block size of each entry for seed_from(42) and the two-arm design with blocks 2 and 4."""
import hashlib, hmac, struct, json
def F(b): 
    if isinstance(b,str): b=b.encode()
    return struct.pack(">Q",len(b))+b
def hkdf(ikm,salt,info,L=32):
    prk=hmac.new(salt,ikm,hashlib.sha256).digest(); t=b"";okm=b"";i=1
    while len(okm)<L:
        t=hmac.new(prk,t+info+bytes([i]),hashlib.sha256).digest(); okm+=t; i+=1
    return okm[:L]
seed=hashlib.sha256(b"khe-randomize-test-seed/42").digest()
design={"format":"khe-randomize/1","arms":["A","B"],"ratio":[1,1],"block_sizes":[2,4],"strata":[],"size_per_stratum":16}
D=hashlib.sha256(json.dumps(design,separators=(",",":")).encode()).hexdigest()
kg=hkdf(seed,b"khe-randomize/1",b"generator\0"+D.encode())
class S:
    def __init__(s,st): s.p=F("khe-randomize/1/stream")+F(st); s.j=0; s.buf=b""
    def u64(s):
        if len(s.buf)<8:
            s.buf=hmac.new(kg,s.p+struct.pack(">Q",s.j),hashlib.sha256).digest(); s.j+=1
        v=int.from_bytes(s.buf[:8],"big"); s.buf=s.buf[8:]; return v
    def uni(s,n):
        if n<=1: return 0
        th=(2**64)%n
        while True:
            x=s.u64()
            if x>=th: return x%n
s=S("all"); out=""; n=0
while n<16:
    size=design["block_sizes"][s.uni(2)]; arms=[0]*(size//2)+[1]*(size//2)
    for i in range(size-1,0,-1):
        j=s.uni(i+1); arms[i],arms[j]=arms[j],arms[i]
    for a in arms: out+="AB"[a]+str(size); n+=1
print(out)
