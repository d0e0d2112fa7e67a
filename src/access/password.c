/* password.c — Argon2id hashing through libsodium, a strict parser of stored
 * hash strings (cost limits, rehash decisions), and the password policy:
 * length and classes counted by code point, then an embedded list of common
 * passwords, the person's own data (login ID, names, birth date), and runs and
 * keyboard sequences. */
#include "access/password.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/textnorm.h"

_Static_assert(PASSWORD_HASH_MAX >= crypto_pwhash_STRBYTES, "PASSWORD_HASH_MAX too small for libsodium");
_Static_assert(PASSWORD_HASH_MAX >= crypto_pwhash_argon2id_STRBYTES, "PASSWORD_HASH_MAX too small for Argon2id");

/* Cost of new hashes: libsodium's INTERACTIVE preset (why: see password.h). */
#define HASH_OPS crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE
#define HASH_MEM crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE
/* The most a stored hash may ask of password_verify: the SENSITIVE preset. */
#define VERIFY_MAX_OPS crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE
#define VERIFY_MAX_MEM crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE
#define ARGON2_VERSION 19 /* 0x13, the version libsodium writes */

#define MIN_CHARS_MFA     8    /* with two-factor login (SECURITY.md) */
#define MIN_CHARS_NO_MFA  13   /* without it */
#define MIN_CLASSES_SHORT 3    /* classes needed below MIN_CHARS_NO_MFA (two-factor login only) */
#define MIN_CLASSES_LONG  2    /* classes needed at MIN_CHARS_NO_MFA and above */
#define MIN_PART_LATIN    3    /* ID and name parts in Latin letters shorter than this are not checked */
#define MIN_PART_CJK      2    /* name parts in kanji or kana: 山田 says as much as "yamada" */
#define RUN_MAX           3    /* 4 equal characters in a row are refused */
#define SEQ_LEN           4    /* 4-character sequences are refused */
#define NORM_MAX          4096 /* ceiling for a normalized password, ID or name part */

/* Most common passwords, in order of frequency, from the NCSC's list of the
 * 100,000 passwords most often seen in breaches (Have I Been Pwned; published
 * in SecLists as Passwords/Common-Credentials/100k-most-used-passwords-NCSC.txt),
 * leaving out random-looking strings, slurs and entries under 4 characters;
 * then a few that are common in Japan. Lower case; compared with the
 * normalized password, also with its trailing digits and symbols removed, so
 * "Password123!" matches "password". */
static const char *const common_passwords[] = {
	"123456",       "123456789",   "qwerty",      "password",     "111111",     "12345678",      "abc123",
	"1234567",      "password1",   "12345",       "1234567890",   "123123",     "000000",        "iloveyou",
	"1q2w3e4r5t",   "qwertyuiop",  "monkey",      "dragon",       "123456a",    "654321",        "123321",
	"666666",       "1qaz2wsx",    "myspace1",    "121212",       "123qwe",     "a123456",       "123abc",
	"1q2w3e4r",     "qwe123",      "7777777",     "qwerty123",    "tinkle",     "987654321",     "qwerty1",
	"222222",       "zxcvbnm",     "555555",      "fuckyou",      "112233",     "asdfghjkl",     "1q2w3e",
	"123123123",    "qazwsx",      "computer",    "princess",     "12345a",     "ashley",        "159753",
	"michael",      "football",    "sunshine",    "1234qwer",     "iloveyou1",  "aaaaaa",        "789456123",
	"daniel",       "777777",      "princess1",   "123654",       "11111",      "asdfgh",        "999999",
	"11111111",     "888888",      "love",        "abcd1234",     "shadow",     "football1",     "love123",
	"superman",     "jordan23",    "jessica",     "monkey1",      "12qwaszx",   "a12345",        "baseball",
	"123456789a",   "killer",      "asdf",        "samsung",      "master",     "azerty",        "charlie",
	"asd123",       "soccer",      "88888888",    "jordan",       "michael1",   "jesus1",        "linkedin",
	"babygirl1",    "789456",      "blink182",    "thomas",       "qwer1234",   "333333",        "liverpool",
	"michelle",     "nicole",      "qwert",       "131313",       "asdasd",     "987654",        "lovely",
	"q1w2e3r4",     "0123456789",  "andrew",      "hello1",       "joshua",     "justin",        "anthony",
	"angel1",       "iloveyou2",   "1111111",     "zxcvbn",       "hello",      "1111",          "jennifer",
	"hunter",       "naruto",      "welcome",     "159357",       "101010",     "tigger",        "147258369",
	"babygirl",     "jessica1",    "parola",      "5201314",      "robert",     "696969",        "102030",
	"0987654321",   "loveme",      "123456q",     "apple",        "pokemon",    "mother",        "money1",
	"secret",       "anthony1",    "purple",      "q1w2e3r4t5y6", "baseball1",  "qazwsxedc",     "1111111111",
	"buster",       "matthew",     "andrea",      "soccer1",      "basketball", "hannah",        "freedom",
	"golfer",       "chelsea",     "passw0rd",    "george",       "trustno1",   "friends",       "william",
	"iloveu",       "amanda",      "number1",     "chocolate",    "qwerty12",   "summer",        "flower",
	"charlie1",     "maggie",      "pakistan",    "samantha",     "asdf1234",   "letmein",       "superman1",
	"marina",       "147258",      "batman",      "butterfly",    "010203",     "qweqwe",        "forever",
	"mustang",      "sunshine1",   "ashley1",     "internet",     "london",     "harley",        "alexander",
	"xbox360",      "00000000",    "12341234",    "q1w2e3",       "pepper",     "family",        "loveyou",
	"50cent",       "joseph",      "whatever",    "jasmine",      "orange",     "junior",        "cookie",
	"martin",       "qweasdzxc",   "212121",      "1qazxsw2",     "password12", "google",        "password2",
	"111222",       "lol123",      "hello123",    "jordan1",      "shadow1",    "patrick",       "ginger",
	"nicole1",      "mylove",      "arsenal",     "12344321",     "abcdef",     "love12",        "232323",
	"taylor",       "myspace",     "brandon",     "angel",        "12345q",     "brandon1",      "chris1",
	"diamond",      "snoopy",      "qweasd",      "starwars",     "matrix",     "mickey",        "school",
	"jonathan",     "melissa",     "eminem",      "1234561",      "lovers",     "1234567891",    "nikita",
	"richard",      "yellow",      "12345qwert",  "oliver",       "q1w2e3r4t5", "cheese",        "a123456789",
	"christian",    "12345678910", "sophie",      "bailey",       "mercedes",   "victoria",      "147852",
	"matthew1",     "abcdefg",     "peanut",      "456789",       "red123",     "happy1",        "sandra",
	"benjamin",     "dragon1",     "444444",      "123654789",    "elizabeth",  "prince",        "amanda1",
	"angels",       "angela",      "qqqqqq",      "samuel",       "banana",     "barcelona",     "computer1",
	"michelle1",    "william1",    "hockey",      "monster",      "carlos",     "justin1",       "antonio",
	"qwertyu",      "nathan",      "55555",       "123789",       "0000",       "killer1",       "11223344",
	"chicken",      "lucky1",      "gabriel",     "welcome1",     "zaq12wsx",   "jasmine1",      "silver",
	"hunter1",      "bubbles",     "purple1",     "andrew1",      "daniel1",    "liverpool1",    "1qaz2wsx3edc",
	"rainbow",      "morgan",      "natasha",     "fuckoff",      "jackson",    "austin",        "vanessa",
	"madison",      "adidas",      "xxxxxx",      "252525",       "america",    "metallica",     "slipknot",
	"87654321",     "jesus",       "alexis",      "spiderman",    "steven",     "ferrari",       "lauren",
	"456123",       "147852369",   "qwaszx",      "buddy1",       "tinkerbell", "bandit",        "danielle",
	"0123456",      "nicholas",    "qwerty12345", "1234554321",   "asdfasdf",   "pokemon1",      "nirvana",
	"destiny",      "scooter",     "123qweasd",   "juventus",     "rachel",     "qazxsw",        "zzzzzz",
	"monica",       "stella",      "999999999",   "741852963",    "yamaha",     "victor",        "00000",
	"qwertyui",     "a1b2c3",      "ronaldo",     "1password",    "smokey",     "money",         "cocacola",
	"1234abcd",     "123asd",      "booboo",      "heather",      "7654321",    "november",      "jasper",
	"success",      "edward",      "valentina",   "sweety",       "tennis",     "zxc123",        "friend",
	"qaz123",       "nothing",     "super123",    "casper",       "chester",    "password123",   "spongebob",
	"hahaha",       "hellokitty",  "098765",      "alexandra",    "canada",     "david",         "1q2w3e4r5t6y",
	"dennis",       "december",    "olivia",      "a1b2c3d4",     "playboy",    "sabrina",       "patricia",
	"mexico",       "dakota",      "barbie",      "johnny",       "music",      "123456m",       "pretty",
	"charles",      "phoenix",     "rebecca",     "thunder",      "beautiful",  "carolina",      "4815162342",
	"vincent",      "jeremy",      "spider",      "sebastian",    "yankees",    "dallas",        "cameron",
	"caroline",     "guitar",      "midnight",    "elephant",     "124578",     "scorpion",      "tweety",
	"dolphin",      "852456",      "lalala",      "veronica",     "sparky",     "newyork",       "adrian",
	"september",    "heaven",      "jessie",      "crystal",      "tigers",     "iloveyou!",     "gemini",
	"135790",       "peaches",     "merlin",      "12121212",     "scooby",     "stephanie",     "shannon",
	"james",        "246810",      "1a2b3c",      "555666",       "lovelove",   "202020",        "159951",
	"precious",     "lakers",      "manchester",  "cristina",     "apples",     "a1234567",      "daniela",
	"jackie",       "sakura",      "muffin",      "cherry",       "poohbear",   "test123",       "flowers",
	"cooper",       "753951",      "toyota",      "beauty",       "genius",     "winston",       "tiffany",
	"charlotte",    "741852",      "diablo",      "onelove",      "badboy",     "maverick",      "winner",
	"creative",     "softball",    "hotmail",     "brittany",     "1314520",    "aa123456",      "asdf123",
	"sayang",       "kristina",    "murphy",      "stalker",      "carmen",     "scorpio",       "pass",
	"garfield",     "0000000",     "151515",      "brandy",       "steelers",   "compaq",        "claudia",
	"rabbit",       "august",      "isabella",    "october",      "q123456",    "samson",        "angelo",
	"1a2b3c4d",     "9876543210",  "boomer",      "12345678a",    "shorty",     "kimberly",      "cowboys",
	"passion",      "soleil",      "albert",      "ranger",       "dexter",     "popcorn",       "alyssa",
	"123456abc",    "barney",      "1122334455",  "blessed",      "1029384756", "california",    "melanie",
	"password!",    "happy",       "963852741",   "woaini",       "icecream",   "qwerty123456",  "eagles",
	"qwert123",     "leonardo",    "police",      "christine",    "windows",    "miguel",        "snickers",
	"7758521",      "cowboy",      "winter",      "dancer",       "coffee",     "fernando",      "maxwell",
	"swordfish",    "rangers",     "horses",      "francis",      "951753",     "martina",       "marlboro",
	"qwerty1234",   "kitten",      "twilight",    "florida",      "pass123",    "54321",         "sydney",
	"pumpkin",      "natalie",     "hiphop",      "fishing",      "bond007",    "barbara",       "stupid",
	"rockstar",     "abc1234",     "321321",      "greenday",     "angelina",   "bonnie",        "123qwe123",
	"lucky",        "father",      "courtney",    "007007",       "fluffy",     "kissme",        "trinity",
	"alejandro",    "pookie",      "roberto",     "turtle",       "corvette",   "lollipop",      "biteme",
	"honey",        "motorola",    "786786",      "simple",       "012345",     "brooklyn",      "darkness",
	"shelby",       "slayer",      "natalia",     "snowball",     "chicago",    "454545",        "people",
	"sharon",       "golden",      "sweetie",     "789789",       "teresa",     "awesome",       "boston",
	"pamela",       "wilson",      "ssssss",      "kevin",        "test",       "bonjour",       "tucker",
	"catherine",    "pa55word",    "mnbvcxz",     "logitech",     "redsox",     "remember",      "isabelle",
	"marcus",       "bulldog",     "cricket",     "single",       "sarah",      "blessing",      "marley",
	"fender",       "aaa111",      "willow",      "aaaaaaaa",     "connor",     "love4ever",     "goodluck",
	"marine",       "hammer",      "chance",      "stephen",      "121314",     "santiago",      "strawberry",
	"bigdaddy",     "asdfghjk",    "marvin",      "mmmmmm",       "abcd123",    "hotdog",        "arthur",
	"1212",         "tintin",      "234567",      "iceman",       "orlando",    "superstar",     "johnson",
	"freddy",       "magic",       "qwert12345",  "loverboy",     "miller",     "cookies",       "parker",
	"azertyuiop",   "porsche",     "teacher",     "5555555555",   "angelica",   "christopher",   "love1234",
	"travis",       "5555555",     "nissan",      "qwer",         "asdfg",      "williams",      "please",
	"55555555",     "spencer",     "gateway",     "tiger",        "321654",     "gracie",        "raymond",
	"ladybug",      "sweetpea",    "sunflower",   "1123581321",   "sweetheart", "zachary",       "123698745",
	"asdfjkl",      "21212121",    "456852",      "paradise",     "doctor",     "kawasaki",      "a12345678",
	"money123",     "sophia",      "winnie",      "bianca",       "bigboy",     "22222222",      "julian",
	"pantera",      "lorenzo",     "sasuke",      "nascar",       "abc12345",   "sierra",        "shopping",
	"genesis",      "christina",   "cool",        "nelson",       "abcd",       "january",       "sweet",
	"qq123456",     "scarface",    "159159",      "montana",      "ricardo",    "dolphins",      "giovanni",
	"frankie",      "facebook",    "changeme",    "zxcvbnm123",   "password11", "123454321",     "australia",
	"maryjane",     "brenda",      "jeffrey",     "xavier",       "ryan",       "realmadrid",    "8675309",
	"westside",     "minnie",      "vampire",     "linkinpark",   "asdasdasd",  "inuyasha",      "1478963",
	"falcon",       "green",       "laura",       "1q1q1q",       "rosebud",    "alex123",       "111222333",
	"asdfghj",      "sergio",      "sterling",    "claire",       "100200",     "italia",        "timothy",
	"jaguar",       "mariana",     "abigail",     "isabel",       "savannah",   "disney",        "zaqwsx",
	"1qwerty",      "musica",      "brooke",      "alberto",      "565656",     "blabla",        "warcraft",
	"patches",      "cat123",      "monkey123",   "lover",        "butter",     "walter",        "black",
	"778899",       "password7",   "bestfriend",  "dominic",      "oscar",      "cancer",        "helpme",
	"volleyball",   "champion",    "france",      "kitty",        "darling",    "united",        "manutd",
	"teddybear",    "regina",      "passwort",    "francesca",    "181818",     "maximus",       "rafael",
	"buddy",        "victory",     "qwerasdf",    "animal",       "student",    "hawaii",        "spirit",
	"jamaica",      "carter",      "gabriela",    "mariposa",     "abcdefgh",   "super",         "dreams",
	"cheyenne",     "1234321",     "england",     "eduardo",      "valeria",    "sniper",        "napoli",
	"panther",      "willie",      "hallo",       "calvin",       "nintendo",   "copper",        "georgia",
	"dog123",       "123zxc",      "happiness",   "diesel",       "mohamed",    "camaro",        "bigdog",
	"100000",       "engineer",    "estrella",    "princesa",     "gloria",     "penguin",       "virginia",
	"skater",       "suzuki",      "donald",      "newlife",      "123qaz",     "leslie",        "anderson",
	"77777777",     "blahblah",    "wwwwww",      "skyline",      "audrey",     "trouble",       "tristan",
	"celtic",       "liberty",     "godisgood",   "cupcake",      "potter",     "bradley",       "warrior",
	"miranda",      "147896325",   "smile",       "debbie",       "online",     "maddie",        "speedy",
	"taurus",       "wizard",      "allison",     "pierre",       "domino",     "monday",        "mercury",
	"nokia",        "rascal",      "florence",    "adgjmptw",     "margarita",  "monique",       "258456",
	"pass1234",     "children",    "zzzzzzzz",    "cristian",     "star",       "justice",       "booger",
	"knight",       "mamapapa",    "dreamer",     "siemens",      "esther",     "hollywood",     "qawsed",
	"password01",   "anna",        "amoremio",    "sister",       "gregory",    "serenity",      "camila",
	"123456qwerty", "ncc1701",     "ronald",      "business",     "avatar",     "panasonic",     "gangster",
	"asasas",       "25802580",    "colorado",    "microsoft",    "909090",     "sammy",         "jupiter",
	"stanley",      "madonna",     "serena",      "valerie",      "legolas",    "31415926",      "rocket",
	"apollo",       "kelsey",      "pebbles",     "system",       "catdog",     "passw0rd!",     "sultan",
	"titanic",      "thebest",     "javier",      "hamster",      "223344",     "packers",       "hitman",
	"kathleen",     "qwqwqw",      "skittles",    "sports",       "coucou",     "p@ssw0rd",      "aaron",
	"christmas",    "molly",       "blondie",     "smiley",       "lasvegas",   "445566",        "jayjay",
	"basket",       "elena",       "ireland",     "madrid",       "marshall",   "vegeta",        "minecraft",
	"terminator",   "security",    "drowssap",    "poiuytrewq",   "pauline",    "jetaime",       "ronnie",
	"skippy",       "rammstein",   "alexandre",   "scotland",     "motdepasse", "stefan",        "celine",
	"harrypotter",  "babydoll",    "manman",      "violet",       "dddddd",     "192837465",     "pizza",
	"legend",       "321654987",   "truelove",    "harvey",       "tanner",     "fantasy",       "peter",
	"friday",       "katrina",     "qwertz",      "chocolat",     "poiuyt",     "bambam",        "99999999",
	"1qaz1qaz",     "323232",      "alejandra",   "aurora",       "gordon",     "gandalf",       "a1s2d3f4",
	"spanky",       "mitchell",    "jack",        "franklin",     "russia",     "carpediem",     "aaaaaaaaaa",
	"zaq1xsw2",     "admin123",    "daisy",       "douglas",      "handsome",   "unicorn",       "5555",
	"12369874",     "margaret",    "viking",      "phantom",      "tomtom",     "080808",        "eclipse",
	"elijah",       "pikachu",     "platinum",    "garcia",       "passport",   "access",        "wisdom",
	"mozart",       "147147",      "abcde",       "church",       "everton",    "13579",         "candy",
	"valentine",    "grace",       "hercules",    "wolverine",    "mama",       "jamesbond",     "theman",
	"toshiba",      "maradona",    "emily",       "gibson",       "787878",     "amsterdam",     "fashion",
	"britney",      "goldfish",    "power",       "kitkat",       "network",    "beatles",       "promise",
	"idontknow",    "diamonds",    "kkkkkk",      "cutiepie",     "felipe",     "germany",       "mario",
	"369369",       "sasha",       "brother",     "melody",       "digital",    "english",       "shalom",
	"einstein",     "karate",      "135792468",   "benfica",      "spartak",    "kingdom",       "admin",
	"gunner",       "buttercup",   "argentina",   "polska",       "saturn",     "manager",       "forest",
	"dragonball",   "stargate",    "colombia",    "captain",      "infinity",   "pandora",       "general",
	"dinosaur",     "spring",      "runescape",   "swimming",     "travel",     "administrator", "root",
	"guest",        "welcome1!",   "qwerty!",     "doraemon",     "tokyo",      "nippon",        "nihon",
	"sakura1",      "arigatou",    "ganbare",     "anpanman",     "hokkaido",   "osaka",         "yokohama",
	"shinkansen",   "gundam",      "totoro",      "hello!",
};

_Static_assert(sizeof common_passwords / sizeof common_passwords[0] >= 300, "common password list too short");

/* ---- the stored hash string ---- */

struct argon2_params {
	int64_t version, m_kib, t, p;
};

static void advance(struct str *s, size_t n)
{
	s->ptr += n;
	s->len -= n;
}

static bool take_lit(struct str *s, const char *lit)
{
	size_t n = strlen(lit);
	if (s->len < n || memcmp(s->ptr, lit, n) != 0)
		return false;
	advance(s, n);
	return true;
}

static bool take_num(struct str *s, int64_t *out)
{
	size_t n = 0;
	while (n < s->len && s->ptr[n] >= '0' && s->ptr[n] <= '9')
		n++;
	if (n == 0 || n > 10 || !str_to_i64((struct str){s->ptr, n}, 0, UINT32_MAX, out))
		return false;
	advance(s, n);
	return true;
}

static bool is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

static bool take_b64(struct str *s)
{
	size_t n = 0;
	while (n < s->len && is_b64(s->ptr[n]))
		n++;
	if (n == 0)
		return false;
	advance(s, n);
	return true;
}

/* "$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>", NUL within PASSWORD_HASH_MAX. */
static bool hash_parse(const char *hash, struct argon2_params *p)
{
	size_t len = strnlen(hash, PASSWORD_HASH_MAX);
	if (len >= PASSWORD_HASH_MAX)
		return false;
	struct str s = {hash, len};
	return take_lit(&s, "$argon2id$v=") && take_num(&s, &p->version) && take_lit(&s, "$m=") &&
	       take_num(&s, &p->m_kib) && take_lit(&s, ",t=") && take_num(&s, &p->t) && take_lit(&s, ",p=") &&
	       take_num(&s, &p->p) && take_lit(&s, "$") && take_b64(&s) && take_lit(&s, "$") && take_b64(&s) &&
	       s.len == 0;
}

enum rk_status password_hash(const char *password, char out[PASSWORD_HASH_MAX], struct rk_err *err)
{
	if (!password)
		return rk_fail_at(err, RK_INVALID, "password", "no password given");
	size_t len = strnlen(password, PASSWORD_MAX_BYTES + 1);
	if (len > PASSWORD_MAX_BYTES)
		return rk_fail_at(err, RK_INVALID, "password", "the password is longer than %d bytes",
				  PASSWORD_MAX_BYTES);
	if (sodium_init() < 0)
		return rk_fail(err, RK_INTERNAL, "libsodium could not be initialized");
	char tmp[crypto_pwhash_argon2id_STRBYTES];
	if (crypto_pwhash_argon2id_str(tmp, password, len, HASH_OPS, HASH_MEM) != 0)
		return rk_fail(err, RK_INTERNAL, "Argon2id password hashing failed (out of memory)");
	memcpy(out, tmp, sizeof tmp);
	return RK_OK;
}

bool password_verify(const char *hash, const char *password)
{
	struct argon2_params p;
	if (!hash || !password || !hash_parse(hash, &p))
		return false;
	if (p.m_kib > (int64_t)(VERIFY_MAX_MEM / 1024) || p.t > (int64_t)VERIFY_MAX_OPS)
		return false;
	size_t len = strnlen(password, PASSWORD_MAX_BYTES + 1);
	if (len > PASSWORD_MAX_BYTES || sodium_init() < 0)
		return false;
	return crypto_pwhash_argon2id_str_verify(hash, password, len) == 0;
}

bool password_needs_rehash(const char *hash)
{
	struct argon2_params p;
	if (!hash || !hash_parse(hash, &p))
		return true;
	return p.version != ARGON2_VERSION || p.m_kib < (int64_t)(HASH_MEM / 1024) || p.t < (int64_t)HASH_OPS ||
	       p.p != 1;
}

/* ---- the policy ---- */

static size_t utf8_count(struct str s)
{
	size_t n = 0;
	for (size_t i = 0; i < s.len; n++)
		str_utf8_next(s, &i);
	return n;
}

static bool has_non_ascii(struct str s)
{
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.ptr[i] >= 0x80)
			return true;
	return false;
}

static uint32_t ascii_lower(uint32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

enum { CLASS_LOWER = 1, CLASS_UPPER = 2, CLASS_DIGIT = 4, CLASS_SYMBOL = 8 };

static unsigned class_of(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return CLASS_LOWER;
	if (c >= 'A' && c <= 'Z')
		return CLASS_UPPER;
	if (c >= '0' && c <= '9')
		return CLASS_DIGIT;
	return CLASS_SYMBOL; /* ASCII punctuation, space, and every non-ASCII character */
}

static int count_classes(unsigned set)
{
	int n = 0;
	for (; set; set &= set - 1)
		n++;
	return n;
}

/* Unicode general category Cc: C0, DEL and C1. */
static bool is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

/* needle occurs in hay (byte-wise: for valid UTF-8 a match is on code point boundaries). */
static bool contains(struct str hay, struct str needle)
{
	return needle.len > 0 && needle.len <= hay.len && memmem(hay.ptr, hay.len, needle.ptr, needle.len);
}

static bool in_common_list(struct str s)
{
	for (size_t k = 0; k < sizeof common_passwords / sizeof common_passwords[0]; k++)
		if (str_eq_c(s, common_passwords[k]))
			return true;
	return false;
}

static bool is_digit_or_symbol(char c)
{
	unsigned char u = (unsigned char)c;
	return u >= 0x20 && u < 0x7F && !((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z'));
}

/* key: the normalized password (lower case, half width). */
static bool is_common(struct str key)
{
	if (in_common_list(key))
		return true;
	size_t n = key.len;
	while (n > 0 && is_digit_or_symbol(key.ptr[n - 1]))
		n--;
	return n > 0 && n < key.len && in_common_list((struct str){key.ptr, n});
}

/* Wipe and free a buffer that held (a form of) the password. */
static void buf_wipe(struct buf *b)
{
	if (b->data)
		sodium_memzero(b->data, b->cap);
	buf_free(b);
}

/* key contains the normalized form of part, if that form is long enough to
 * say something: MIN_PART_LATIN characters, MIN_PART_CJK when not Latin. */
static bool contains_part(struct str key, struct str part, struct buf *scratch)
{
	buf_reset(scratch);
	if (part.len == 0 || textnorm_search_key(part, scratch) != RK_OK)
		return false; /* invalid UTF-8 or absurdly long: cannot be inside a valid password */
	struct str norm = buf_str(scratch);
	size_t chars = utf8_count(norm);
	size_t min = has_non_ascii(norm) ? MIN_PART_CJK : MIN_PART_LATIN;
	return chars >= min && contains(key, norm);
}

/* Name separators: space, ideographic space, katakana middle dot (ジョン・スミス). */
static bool is_name_separator(uint32_t c)
{
	return c == ' ' || c == '\t' || c == 0x3000 || c == 0x30FB;
}

/* Any part of name (split at separators) inside key. */
static bool contains_name(struct str key, const char *name, struct buf *scratch)
{
	struct str s = str_c(name);
	if (!str_is_utf8(s))
		return false;
	size_t start = 0, i = 0;
	while (i <= s.len) {
		size_t at = i;
		bool sep = i == s.len || is_name_separator(str_utf8_next(s, &i));
		if (!sep)
			continue;
		if (contains_part(key, (struct str){s.ptr + start, at - start}, scratch))
			return true;
		if (at == s.len)
			break;
		start = i;
	}
	return false;
}

static bool two_digits(const char *p, int lo, int hi)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return false;
	int v = (p[0] - '0') * 10 + (p[1] - '0');
	return v >= lo && v <= hi;
}

/* The birth date in one of its common written forms inside key. A date not
 * of the form YYYY-MM-DD is ignored. */
static bool contains_birthdate(struct str key, const char *date)
{
	if (!date || strlen(date) != 10 || date[4] != '-' || date[7] != '-' || !two_digits(date, 0, 99) ||
	    !two_digits(date + 2, 0, 99) || !two_digits(date + 5, 1, 12) || !two_digits(date + 8, 1, 31))
		return false;
	const char *y = date, *m = date + 5, *d = date + 8;
	char ymd8[8] = {y[0], y[1], y[2], y[3], m[0], m[1], d[0], d[1]};
	char ymd6[6] = {y[2], y[3], m[0], m[1], d[0], d[1]};
	char mmdd[4] = {m[0], m[1], d[0], d[1]};
	char ddmm[4] = {d[0], d[1], m[0], m[1]};
	char slash[10] = {y[0], y[1], y[2], y[3], '/', m[0], m[1], '/', d[0], d[1]};
	/* MMDD is inside YYYYMMDD and YYMMDD; they are listed anyway to keep the rule readable. */
	return contains(key, (struct str){ymd8, 8}) || contains(key, (struct str){ymd6, 6}) ||
	       contains(key, (struct str){mmdd, 4}) || contains(key, (struct str){ddmm, 4}) ||
	       contains(key, (struct str){date, 10}) || contains(key, (struct str){slash, 10});
}

/* The same character (ASCII case ignored) more than RUN_MAX times in a row. */
static bool has_repetition(struct str pw)
{
	uint32_t prev = 0;
	int run = 0;
	for (size_t i = 0; i < pw.len;) {
		uint32_t c = ascii_lower(str_utf8_next(pw, &i));
		run = c == prev ? run + 1 : 1;
		if (run > RUN_MAX)
			return true;
		prev = c;
	}
	return false;
}

/* Alphabet, digits, keyboard rows (US/JIS layout) and columns; each checked
 * forwards and backwards. "01234567890": the digit row ends in 0 ("7890"). */
static const char *const sequences[] = {
	"abcdefghijklmnopqrstuvwxyz",
	"01234567890",
	"qwertyuiop",
	"asdfghjkl",
	"zxcvbnm",
	"!@#$%^&*()",
	"1qaz",
	"2wsx",
	"3edc",
	"4rfv",
	"5tgb",
	"6yhn",
	"7ujm",
	"8ik,",
	"9ol.",
	"0p;/",
};

static bool in_sequences(const char *w)
{
	for (size_t k = 0; k < sizeof sequences / sizeof sequences[0]; k++)
		if (strstr(sequences[k], w))
			return true;
	return false;
}

/* SEQ_LEN ASCII characters (case ignored) that follow one of the sequences. */
static bool has_sequence(struct str pw)
{
	char fwd[SEQ_LEN + 1], back[SEQ_LEN + 1];
	bool found = false;
	for (size_t i = 0; !found && i + SEQ_LEN <= pw.len; i++) {
		for (size_t k = 0; k < SEQ_LEN; k++) {
			char c = (char)ascii_lower((unsigned char)pw.ptr[i + k]);
			fwd[k] = c;
			back[SEQ_LEN - 1 - k] = c;
		}
		fwd[SEQ_LEN] = back[SEQ_LEN] = '\0';
		/* Bytes >= 0x80 never match: the sequences are ASCII. */
		found = in_sequences(fwd) || in_sequences(back);
	}
	sodium_memzero(fwd, sizeof fwd);
	sodium_memzero(back, sizeof back);
	return found;
}

static enum rk_status refuse(const char **reason, struct rk_err *err, const char *code, const char *msg)
{
	if (reason)
		*reason = code;
	return rk_fail_at(err, RK_INVALID, "password", "%s", msg);
}

/* Length, encoding and classes: what can be judged from the characters alone. */
static enum rk_status check_shape(struct str pw, bool mfa, const char **reason, struct rk_err *err)
{
	if (pw.len > PASSWORD_MAX_BYTES) {
		if (reason)
			*reason = "too_long";
		return rk_fail_at(err, RK_INVALID, "password", "the password is longer than %d bytes",
				  PASSWORD_MAX_BYTES);
	}
	if (!str_is_utf8(pw))
		return refuse(reason, err, "encoding", "the password is not valid UTF-8");
	size_t chars = 0;
	unsigned classes = 0;
	for (size_t i = 0; i < pw.len; chars++) {
		uint32_t c = str_utf8_next(pw, &i);
		if (is_control(c))
			return refuse(reason, err, "encoding", "the password contains a control character");
		classes |= class_of(c);
	}
	int n_classes = count_classes(classes);
	if (chars < (mfa ? MIN_CHARS_MFA : MIN_CHARS_NO_MFA))
		return refuse(reason, err, "too_short",
			      mfa ? "the password must be at least 8 characters long"
				  : "the password must be at least 13 characters long (8 with two-factor login)");
	if ((chars >= MIN_CHARS_NO_MFA && n_classes >= MIN_CLASSES_LONG) || (mfa && n_classes >= MIN_CLASSES_SHORT))
		return RK_OK;
	return refuse(reason, err, "classes",
		      mfa ? "the password must mix at least 3 kinds of characters (lower case, upper case, "
			    "digits, symbols), or be at least 13 characters long with 2 kinds"
			  : "the password must mix at least 2 kinds of characters (lower case, upper case, "
			    "digits, symbols)");
}

enum rk_status password_policy_check(const char *password, const struct password_context *ctx, const char **reason,
				     struct rk_err *err)
{
	static const struct password_context no_context = {0};
	if (!ctx)
		ctx = &no_context;
	struct str pw = {password ? password : "", password ? strnlen(password, PASSWORD_MAX_BYTES + 1) : 0};
	enum rk_status st = check_shape(pw, ctx->mfa, reason, err);
	if (st != RK_OK)
		return st;

	/* The rest compares the normalized form: case, full/half width and
	 * hiragana/katakana do not make a password different. */
	struct buf key, scratch;
	struct str k;
	buf_init(&key, NORM_MAX);
	buf_init(&scratch, NORM_MAX);
	if (textnorm_search_key(pw, &key) != RK_OK) {
		st = rk_fail(err, RK_INTERNAL, "password normalization exceeded its bound");
		goto out_wipe;
	}
	k = buf_str(&key);
	if (is_common(k)) {
		st = refuse(reason, err, "common", "the password is one of the most commonly used passwords");
		goto out_wipe;
	}
	if (ctx->account_id && contains_part(k, str_c(ctx->account_id), &scratch)) {
		st = refuse(reason, err, "contains_id", "the password must not contain the login ID");
		goto out_wipe;
	}
	for (size_t i = 0; ctx->names && i < ctx->n_names; i++) {
		if (ctx->names[i] && contains_name(k, ctx->names[i], &scratch)) {
			st = refuse(reason, err, "contains_name", "the password must not contain the user's name");
			goto out_wipe;
		}
	}
	if (contains_birthdate(k, ctx->birth_date)) {
		st = refuse(reason, err, "contains_birthdate", "the password must not contain the birth date");
		goto out_wipe;
	}
	if (has_repetition(pw)) {
		st = refuse(reason, err, "repetition",
			    "the password must not repeat a character 4 or more times in a row");
		goto out_wipe;
	}
	if (has_sequence(pw))
		st = refuse(reason, err, "sequence",
			    "the password must not contain a run of 4 such as abcd, 4321 or qwer");
out_wipe:
	buf_wipe(&key);
	buf_free(&scratch);
	return st;
}
