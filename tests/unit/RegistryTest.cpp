// Registry lookups, ordering, aliases and ownership, with in-process capability objects.
#include "plugin/Registry.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace classifai {
namespace {

class TestType final : public sdk::AnnotationType {
public:
    TestType(std::string id, std::vector<std::string> aliases)
        : _id(std::move(id)), _aliases(std::move(aliases)) {}
    std::string id() const override { return _id; }
    std::vector<std::string> aliases() const override { return _aliases; }
    std::string displayName() const override { return _id; }
    std::string listKey() const override { return _id + "_list"; }
    sdk::Result<std::string> canonicalize(const std::string& json) const override { return json; }
    sdk::Result<std::vector<std::string>> labels(const std::string&) const override {
        return std::vector<std::string>{};
    }
    sdk::Result<std::vector<sdk::Shape>> toShapes(const std::string&, const sdk::DisplayGeometry&,
                                                  const sdk::ImageGeometry&) const override {
        return std::vector<sdk::Shape>{};
    }

private:
    std::string _id;
    std::vector<std::string> _aliases;
};

class TestExporter final : public sdk::Exporter {
public:
    explicit TestExporter(std::string id) : _id(std::move(id)) {}
    std::string id() const override { return _id; }
    std::string displayName() const override { return _id; }
    std::vector<std::string> supportedTypes() const override { return {}; }
    bool multiFile() const override { return false; }
    std::string fileExtension() const override { return "txt"; }
    sdk::Result<void> write(sdk::ProjectView&, sdk::ExportSink&) const override { return {}; }

private:
    std::string _id;
};

class TestDialog final : public sdk::DialogBackend {
public:
    explicit TestDialog(std::string id) : _id(std::move(id)) {}
    std::string id() const override { return _id; }
    std::vector<std::string> operatingSystems() const override { return {"any"}; }
    sdk::Result<void> available() const override { return {}; }
    sdk::Result<std::string> chooseFolder(const sdk::DialogRequest&) const override {
        return std::string("/");
    }
    sdk::Result<std::string> chooseFile(const sdk::DialogRequest&) const override {
        return std::string("/");
    }

private:
    std::string _id;
};

TEST(RegistryTest, EmptyRegistryFindsNothing) {
    const Registry registry;
    EXPECT_EQ(registry.annotationType("bndbox"), nullptr);
    EXPECT_EQ(registry.exporter("coco"), nullptr);
    EXPECT_EQ(registry.dialogBackend("headless"), nullptr);
    EXPECT_TRUE(registry.annotationTypes().empty());
    EXPECT_TRUE(registry.exporters().empty());
    EXPECT_TRUE(registry.dialogBackends().empty());
    EXPECT_EQ(registry.ownerOf("exporter", "coco"), "");
}

TEST(RegistryTest, AnnotationTypesAreFoundByIdOrAliasAndListedOnceSortedById) {
    const TestType seg("seg", {"segmentation", "polygon"});
    const TestType bndbox("bndbox", {"boundingbox", "bndbox"});
    Registry registry;
    registry.addAnnotationType(&seg, "annotation-seg.so");
    registry.addAnnotationType(&bndbox, "annotation-bndbox.so");

    EXPECT_EQ(registry.annotationType("bndbox"), &bndbox);
    EXPECT_EQ(registry.annotationType("boundingbox"), &bndbox);
    EXPECT_EQ(registry.annotationType("polygon"), &seg);
    EXPECT_EQ(registry.annotationType("BndBox"), nullptr);
    EXPECT_EQ(registry.annotationTypes(), (std::vector<const sdk::AnnotationType*>{&bndbox, &seg}));
    EXPECT_EQ(registry.ownerOf("annotation_type", "seg"), "annotation-seg.so");
    EXPECT_EQ(registry.ownerOf("annotation_type", "segmentation"), "annotation-seg.so");
    EXPECT_EQ(registry.ownerOf("exporter", "seg"), "");
}

TEST(RegistryTest, ExportersAndDialogBackendsAreSortedByIdAndOwned) {
    const TestExporter yolo("yolo");
    const TestExporter coco("coco");
    const TestDialog zenity("zenity");
    const TestDialog headless("headless");
    Registry registry;
    registry.addExporter(&yolo, "exporter-yolo.so");
    registry.addExporter(&coco, "exporter-coco.so");
    registry.addDialogBackend(&zenity, "dialog-zenity.so");
    registry.addDialogBackend(&headless, "dialog-headless.so");

    EXPECT_EQ(registry.exporter("coco"), &coco);
    EXPECT_EQ(registry.exporters(), (std::vector<const sdk::Exporter*>{&coco, &yolo}));
    EXPECT_EQ(registry.dialogBackend("headless"), &headless);
    EXPECT_EQ(registry.dialogBackends(),
              (std::vector<const sdk::DialogBackend*>{&headless, &zenity}));
    EXPECT_EQ(registry.ownerOf("exporter", "yolo"), "exporter-yolo.so");
    EXPECT_EQ(registry.ownerOf("dialog_backend", "zenity"), "dialog-zenity.so");
}

TEST(RegistryTest, SameIdInDifferentKindsDoesNotCollide) {
    const TestExporter exporter("headless");
    const TestDialog dialog("headless");
    Registry registry;
    registry.addExporter(&exporter, "a.so");
    registry.addDialogBackend(&dialog, "b.so");
    EXPECT_EQ(registry.ownerOf("exporter", "headless"), "a.so");
    EXPECT_EQ(registry.ownerOf("dialog_backend", "headless"), "b.so");
}

TEST(RegistryTest, DuplicatesAreRefusedAndTheFirstOwnerKept) {
    const TestExporter first("coco");
    const TestExporter second("coco");
    const TestType bndbox("bndbox", {"box"});
    const TestType clash("rotated", {"box"});
    Registry registry;
    registry.addExporter(&first, "exporter-coco.so");
    registry.addAnnotationType(&bndbox, "annotation-bndbox.so");

    EXPECT_THROW(registry.addExporter(&second, "other.so"), std::logic_error);
    EXPECT_THROW(registry.addAnnotationType(&clash, "other.so"), std::logic_error);
    EXPECT_EQ(registry.exporter("coco"), &first);
    EXPECT_EQ(registry.ownerOf("exporter", "coco"), "exporter-coco.so");
    // A refused type leaves nothing behind, not even its non-clashing id.
    EXPECT_EQ(registry.annotationType("rotated"), nullptr);
    EXPECT_EQ(registry.annotationType("box"), &bndbox);
}

} // namespace
} // namespace classifai
