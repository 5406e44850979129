import fc from 'fast-check';
import { S3Error } from './s3-error';
import { MAX_DELETE_KEYS, parseCreateBucketConfiguration, parseDelete } from './request-xml';
import { decodeXmlText } from './xml-reader';
import { escapeXml } from './xml-writer';

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof S3Error) return e.code;
    throw e;
  }
  return 'none';
}

describe('parseDelete', () => {
  it('reads keys (spaces, entities, numeric references kept exact), version ids and Quiet', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Delete ${NS}>
  <Object><Key> lead &amp; trail </Key><VersionId>null</VersionId></Object>
  <Object><Key>0123</Key></Object>
  <Object><Key>line&#x0A;break&#13;&lt;&gt;&quot;&apos;</Key></Object>
  <Quiet>true</Quiet>
</Delete>`;
    expect(parseDelete(Buffer.from(xml))).toEqual({
      quiet: true,
      objects: [{ key: ' lead & trail ', versionId: 'null' }, { key: '0123' }, { key: 'line\nbreak\r<>"\'' }],
    });
  });

  it('reads what the AWS SDK JS writes (namespace, no Quiet) and one Object', () => {
    expect(parseDelete(Buffer.from(`<Delete ${NS}><Object><Key>k</Key></Object></Delete>`))).toEqual({ quiet: false, objects: [{ key: 'k' }] });
  });

  it('takes 1000 keys and refuses 1001', () => {
    const body = (n: number) => Buffer.from(`<Delete>${Array.from({ length: n }, (_, i) => `<Object><Key>${'k'.repeat(1000)}${i}</Key></Object>`).join('')}</Delete>`);
    expect(parseDelete(body(MAX_DELETE_KEYS)).objects).toHaveLength(1000);
    expect(codeOf(() => parseDelete(body(MAX_DELETE_KEYS + 1)))).toBe('MalformedXML');
  });

  it.each([
    ['not XML', 'hello'],
    ['an unclosed tag', '<Delete><Object><Key>a</Key></Delete>'],
    ['another root', '<Remove><Object><Key>a</Key></Object></Remove>'],
    ['no Object', '<Delete><Quiet>true</Quiet></Delete>'],
    ['an empty key', '<Delete><Object><Key></Key></Object></Delete>'],
    ['a missing key', '<Delete><Object><VersionId>1</VersionId></Object></Delete>'],
    ['two keys in one object', '<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>'],
    ['a bad Quiet', '<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>'],
    ['an unknown entity', '<Delete><Object><Key>&foo;</Key></Object></Delete>'],
    ['a reference out of range', '<Delete><Object><Key>&#x110000;</Key></Object></Delete>'],
    ['a prototype-polluting name', '<Delete><__proto__><Key>a</Key></__proto__><Object><Key>a</Key></Object></Delete>'],
    ['deep nesting', '<Delete>' + '<a>'.repeat(200) + '</a>'.repeat(200) + '</Delete>'],
  ])('refuses %s with MalformedXML', (_name, xml) => {
    expect(codeOf(() => parseDelete(Buffer.from(xml)))).toBe('MalformedXML');
  });

  it('refuses DOCTYPE and entity definitions (billion laughs) without expanding anything', () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><Delete><Object><Key>&lol2;</Key></Object></Delete>`;
    expect(codeOf(() => parseDelete(Buffer.from(lol)))).toBe('MalformedXML');
    const external = `<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>`;
    expect(codeOf(() => parseDelete(Buffer.from(external)))).toBe('MalformedXML');
  });

  it('refuses bodies over the size limit before parsing', () => {
    expect(codeOf(() => parseDelete(Buffer.alloc(3 * 1024 * 1024, ' ')))).toBe('MaxMessageLengthExceeded');
  });

  it('any key escaped as XML comes back exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 }).filter((k) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(k)), (key) => {
        const parsed = parseDelete(Buffer.from(`<Delete><Object><Key>${escapeXml(key)}</Key></Object></Delete>`));
        return parsed.objects[0].key === key;
      }),
      { numRuns: 300 },
    );
  });

  it('garbage only ever yields an S3Error', () => {
    const pieces = fc.constantFrom('<Delete>', '</Delete>', '<Object>', '</Object>', '<Key>', '</Key>', 'k', '&amp;', '&', '&#', ';', '<!DOCTYPE', '<![CDATA[', ']]>', '<?xml?>', '<', '>', '/', '"', '__proto__', 'constructor');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(pieces, { maxLength: 30 }).map((a) => a.join(''))), (text) => {
        try {
          parseDelete(Buffer.from(text));
          parseCreateBucketConfiguration(Buffer.from(text));
          return true;
        } catch (e) {
          return e instanceof S3Error;
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseCreateBucketConfiguration', () => {
  it('reads the LocationConstraint, and an empty body as none', () => {
    expect(parseCreateBucketConfiguration(Buffer.from(`<CreateBucketConfiguration ${NS}><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`))).toEqual({ locationConstraint: 'eu-west-1' });
    expect(parseCreateBucketConfiguration(Buffer.from(''))).toEqual({});
    expect(parseCreateBucketConfiguration(Buffer.from('  \n'))).toEqual({});
    expect(parseCreateBucketConfiguration(Buffer.from('<CreateBucketConfiguration/>'))).toEqual({});
    expect(parseCreateBucketConfiguration(Buffer.from('<CreateBucketConfiguration><LocationConstraint/></CreateBucketConfiguration>'))).toEqual({});
  });

  it('refuses other documents', () => {
    expect(codeOf(() => parseCreateBucketConfiguration(Buffer.from('<Other/>')))).toBe('MalformedXML');
    expect(codeOf(() => parseCreateBucketConfiguration(Buffer.from('<CreateBucketConfiguration><LocationConstraint>a</LocationConstraint><LocationConstraint>b</LocationConstraint></CreateBucketConfiguration>')))).toBe('MalformedXML');
  });

  it('decodeXmlText decodes only what XML defines', () => {
    expect(decodeXmlText('&amp;&lt;&gt;&quot;&apos;&#65;&#x1F600;')).toBe('&<>"\'A\u{1F600}');
    expect(codeOf(() => decodeXmlText('&nbsp;'))).toBe('MalformedXML');
    expect(codeOf(() => decodeXmlText('a & b'))).toBe('MalformedXML');
  });
});
