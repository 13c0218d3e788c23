package user

// commonPasswords are passwords of 10+ characters found at the top of
// public breach corpora; anything here is refused at signup and change.
var commonPasswords = map[string]struct{}{
	"1234567890": {}, "0987654321": {}, "1q2w3e4r5t": {}, "qwertyuiop": {}, "password12": {},
	"password123": {}, "password1234": {}, "passw0rd123": {}, "iloveyou12": {}, "qwerty1234": {},
	"qwerty12345": {}, "1qaz2wsx3edc": {}, "qazwsxedc123": {}, "zaq12wsxcde3": {}, "letmein123": {},
	"welcome123": {}, "welcome1234": {}, "admin12345": {}, "administrator": {}, "sunshine123": {},
	"football123": {}, "baseball123": {}, "princess123": {}, "dragon1234": {}, "monkey1234": {},
	"superman123": {}, "starwars123": {}, "changeme123": {}, "trustno1234": {}, "123456789a": {},
	"a123456789": {}, "abc1234567": {}, "abcd123456": {}, "abcdef1234": {}, "1234567890a": {},
	"password!1": {}, "password1!": {}, "p@ssw0rd12": {}, "p@ssword123": {}, "qwertyuiop1": {},
	"asdfghjkl1": {}, "asdfghjkl;": {}, "zxcvbnm123": {}, "1q2w3e4r5t6y": {}, "q1w2e3r4t5": {},
	"q1w2e3r4t5y6": {}, "11111111111": {}, "123123123123": {}, "12341234": {}, "7777777777": {},
	"peerprep123": {}, "peerprep1234": {}, "interview123": {}, "leetcode123": {}, "computer123": {},
	"internet123": {}, "whatever123": {}, "secret1234": {}, "mypassword1": {}, "mypassword123": {},
	"iloveyou123": {}, "michael123": {}, "jennifer123": {}, "charlie123": {}, "jordan2323": {},
	"pokemon123": {}, "minecraft1": {}, "minecraft123": {}, "liverpool1": {}, "chelsea123": {},
	"samsung123": {}, "google1234": {}, "facebook123": {}, "hello12345": {}, "hellohello": {},
	"loveme1234": {}, "blink182182": {}, "michelle123": {}, "basketball": {}, "basketball1": {},
	"soccer1234": {}, "baseball12": {}, "football12": {}, "qwertyqwerty": {}, "passwordpassword": {},
}
