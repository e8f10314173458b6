// File names clients give images, and the data URLs they upload.
#include "project/ImageNames.hpp"

#include <gtest/gtest.h>

using namespace classifai;

namespace {

TEST(ImageNamesTest, UploadNamesAreRefusedOrMadeSafe) {
    EXPECT_EQ(sanitiseUploadName("photo 1.jpg").name, "photo 1.jpg");
    EXPECT_EQ(sanitiseUploadName("what?<>.jpg").name, "what___.jpg");
    EXPECT_EQ(sanitiseUploadName("été.png").name, "été.png");
    for (const auto& bad : {std::string(""), std::string("../x.png"), std::string("/etc/x.png"),
                            std::string("a/b.png"), std::string("a\\b.png"), std::string(".."),
                            std::string(".hidden.png"), std::string("a\nb.png"),
                            std::string("\xff\xfe.png"), std::string(300, 'a')}) {
        auto result = sanitiseUploadName(bad);
        EXPECT_TRUE(result.name.empty()) << bad;
        EXPECT_FALSE(result.problem.empty()) << bad;
    }
}

TEST(ImageNamesTest, RenameRefusesTheReferenceIllegalCharacters) {
    EXPECT_FALSE(renameProblem("new_7"));
    EXPECT_FALSE(renameProblem("dog-2(1)"));
    for (const auto& bad : {"", "a b", "../x", "/x", "a:b", "a*b", "a%b", "a#b", ".x", "a\\b"}) {
        EXPECT_TRUE(renameProblem(bad)) << bad;
    }
}

TEST(ImageNamesTest, DataUrlsDecodeStrictly) {
    std::string problem;
    auto url = decodeDataUrl("data:image/png;base64," + encodeBase64("hello!?"), 100, problem);
    ASSERT_TRUE(url) << problem;
    EXPECT_EQ(url->mediaType, "image/png");
    EXPECT_EQ(url->bytes, "hello!?");
    for (const std::string text :
         {"hello", "data:image/png,abcd", "data:image/png;base64,", "data:image/png;base64,abc",
          "data:image/png;base64,ab=c", "data:image/png;base64,a\nbc", "data:;base64,@@@@"}) {
        EXPECT_FALSE(decodeDataUrl(text, 100, problem)) << text;
        EXPECT_FALSE(problem.empty());
    }
    EXPECT_FALSE(
        decodeDataUrl("data:a;base64," + encodeBase64(std::string(101, 'x')), 100, problem));
    EXPECT_NE(problem.find("larger than 100"), std::string::npos);
    for (std::size_t length = 0; length < 8; ++length) {
        const std::string bytes(length, '\xfb');
        auto back = decodeDataUrl("data:x;base64," + encodeBase64(bytes), 100, problem);
        ASSERT_TRUE(back || length == 0);
        if (back) {
            EXPECT_EQ(back->bytes, bytes);
        }
    }
}

} // namespace
